"""The years a user asks ``chu run`` or ``chu backfill`` for, against the years that exist.

A year no requested source holds is said as such, with the years that do exist, instead of a
build that does nothing and reports success: a year inside a source's span with no file of it
("no data"), a year outside every requested source's span ("outside", e.g. after the current
year or before the register begins).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from chu_platform.schemas.years import offered_years, spans


@dataclass
class YearsAsked:
    held: list[int]          # asked, and held by some requested source
    without_data: list[int]  # inside some requested source's span, no file of it
    outside: list[int]       # outside every requested source's span
    existing: str            # "deaths 2019-2020; hospitalisations 2019-2020" (or "none")
    offered: str = ""        # each requested source's span: "deaths 1970-2026, care 2015-2026"

    @property
    def nothing(self) -> bool:
        return not self.held

    def lines(self) -> list[str]:
        """One line per kind of year asked for in vain, each naming the years that exist."""
        found = []
        if self.without_data:
            found.append(f"no data for {spans(self.without_data)}: no file of the requested sources holds it "
                         f"(years with data: {self.existing})")
        if self.outside:
            found.append(f"{spans(self.outside)} outside every requested source's years "
                         f"({self.offered}; years with data: {self.existing})")
        return found


def check_years(asked: Sequence[int], sources: Sequence[str],
                available: Mapping[str, set[int] | None]) -> YearsAsked:
    """Sort the years ``asked`` by what the ``sources`` (bronze discovery's ``available``) hold."""
    yearly = [s for s in sources if offered_years(s) is not None]
    if not yearly:  # sources without a year axis: every year is theirs to compute downstream
        return YearsAsked(sorted(asked), [], [], "none")
    held_by = {s: set(available.get(s) or set()) for s in yearly}
    held = set().union(*held_by.values()) if held_by else set()
    bounds = {s: offered_years(s) for s in yearly}
    inside = {y for y in asked for first, last in bounds.values() if first <= y <= last}
    existing = "; ".join(f"{s} {spans(y)}" for s, y in held_by.items() if y) or "none"
    offered = ", ".join(f"{s} {first}-{last}" for s, (first, last) in bounds.items())
    return YearsAsked(
        held=sorted(y for y in asked if y in held),
        without_data=sorted(y for y in asked if y not in held and y in inside),
        outside=sorted(y for y in asked if y not in inside),
        existing=existing,
        offered=offered,
    )
