"""Statistical secrecy of everything the page embeds (DESIGN.md: a count 1-9 reads "<10", a
cell withheld only so that another cannot be recovered reads "s").

A withheld cell is embedded as its label (``label``), never as its value nor as a blank: the
page draws it as a cell with that label.

The page lets a reader combine figures: a total and its parts, a region and its
establishments, a period and a shorter one. Masking the cells 1-9 alone would let a masked
cell be recovered by subtraction, so:

* ``protect`` (per year) masks every count 1-9 (primary), then, in every group of a total and
  its parts that the page shows or lets one derive, masks the next-smallest part until the
  group is safe for a reader who knows the kinds ("<10", "s"; ``marts.suppression.group_safe``)
  (secondary), or masks the total; a masked total keeps at least one of its parts masked.
  Counts the marts also publish (``fixed``: an establishment's, a diagnosis', a specialty's, a
  region of death's count of a year, and their totals) keep the marts' masks, and the
  complements are chosen among the cells only the page shows (a region's total rather than
  one of its establishments): a count withheld on one surface and shown on the other would
  give itself away. Repeated until nothing changes, since
  a cell masked in one group is a part or a total of others (region and establishment,
  diagnosis by region).
* A range of years adds the yearly cells; it is masked when any of its years is
  (``range_masked``). Any range's masked parts then cover a whole year's masked set, so they
  too are at least two and add up to 10 or more: no range cell is recoverable either.
* Counts of distinct people do not add up; each is masked when 1-9, when its difference to
  the count of a nested range of the same scope is 1-9 (``nested_differences``), and a
  hospitalised count when the people seen but not hospitalised are 1-9.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Hashable, Iterable, Mapping, Sequence

import polars as pl

from chu_platform.layers.marts.secrecy import THRESHOLD
from chu_platform.layers.marts.suppression import group_safe


Group = tuple[Hashable, Sequence[Hashable]]


MASK = "<10"
SECRET = "s"
LEGEND = {
    "fr": "<10 : moins de 10 personnes ou événements (et tout taux qui en est calculé) ; "
          "s : secret, valeur de 10 ou plus masquée pour qu'une autre ne puisse être retrouvée par soustraction.",
    "en": "<10: fewer than 10 people or events (and any rate computed from it); "
          "s: secret, a value of 10 or more withheld so that another cannot be recovered by subtraction.",
}


def small(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 1 <= value < THRESHOLD


def label(n: int) -> str:
    """How a withheld count reads: "<10" when it is 1-9, "s" (secret) when it is withheld only
    so that another cannot be recovered. The dashboard's one place for the labels."""
    return MASK if small(n) else SECRET


def withheld(value) -> bool:
    return isinstance(value, str)


WHOLE = object()  # ``_Cells.needed``'s answer for a breakdown that must be withheld whole


class _Cells:
    """The cells and groups of one ``protection`` as integer ids (a cell's id: its position in
    ``keys``), so that the rule below looks cells up in lists, not in dicts of tuples. A group
    keeps its parts, and its nonzero parts once (the values never change)."""

    def __init__(self, values: Mapping[Hashable, int], groups: Iterable[Group], fixed: Mapping[Hashable, bool]):
        ids: dict[Hashable, int] = {key: i for i, key in enumerate(values)}
        self.keys: list[Hashable] = list(values)
        self.values: list[int] = list(values.values())
        self.present = len(self.keys)  # ids below this are cells of ``values``

        def id_of(key: Hashable) -> int:
            i = ids.get(key)
            if i is None:
                i = ids[key] = len(self.keys)
                self.keys.append(key)
                self.values.append(0)
            return i

        self.groups: list[tuple[int, list[int], list[int]]] = []
        for total, parts in groups:
            members = [id_of(p) for p in parts]
            self.groups.append((id_of(total), members, [p for p in members if self.values[p] > 0]))
        self.fixed: dict[int, bool] = {ids[k]: m for k, m in fixed.items() if k in ids}

    def smallest(self, cells: list[int]) -> int:
        """The cell of least value, ties broken by the key's text (the same cell every time)."""
        values = self.values
        least = min(values[p] for p in cells)
        tied = [p for p in cells if values[p] == least]
        return tied[0] if len(tied) == 1 else min(tied, key=lambda p: str(self.keys[p]))

    def needed(self, masked: bytearray, total: int, nonzero: list[int]) -> int | object | None:
        """The cell to mask next in one group, ``None`` when the group is safe, or ``WHOLE`` when
        every part the page may mask is masked, the group is still unsafe and its total is shown
        by another surface (``fixed``: a region of one establishment whose count ``chu query``
        shows): masking the total on the page would hide nothing, so the page withholds the
        breakdown whole (no cell, no label) rather than the total or a part another surface shows."""
        fixed, values = self.fixed, self.values
        hidden = [p for p in nonzero if masked[p]]
        shown = [p for p in nonzero if not masked[p]]
        free = [p for p in shown if p not in fixed]
        if masked[total]:
            return self.smallest(free or shown) if shown and not hidden else None
        if group_safe([values[p] for p in hidden], [values[p] for p in shown]):
            return None
        if free:
            return self.smallest(free)
        if total not in fixed:
            return total
        return WHOLE

    def derive_fixed(self) -> None:
        """``fixed`` plus the cells another surface gives away through a group of one child: a
        total whose parts other surfaces all show (a region of one establishment) is shown, and
        a lone nonzero part of a total another surface shows or withholds is that total (a
        diagnosis seen in one region only). Masking such a cell on the page alone would hide
        nothing, so it is never chosen as a complement."""
        fixed = self.fixed
        changed = True
        while changed:
            changed = False
            for total, _, nonzero in self.groups:
                if total >= self.present:
                    continue
                if total not in fixed and all(fixed.get(p) is False for p in nonzero):
                    fixed[total] = False
                    changed = True
                if total in fixed and len(nonzero) == 1 and nonzero[0] not in fixed:
                    fixed[nonzero[0]] = fixed[total]
                    changed = True


def protect(values: Mapping[Hashable, int], groups: Iterable[Group], fixed: Mapping[Hashable, bool] | None = None) -> set:
    """The cells to mask: primary (1-9), those ``fixed`` masks, and secondary until every
    group is safe (``protection``)."""
    return protection(values, groups, fixed)[0]


def protection(values: Mapping[Hashable, int], groups: Iterable[Group],
               fixed: Mapping[Hashable, bool] | None = None) -> tuple[set, set]:
    """``(masked, whole)``: the cells to mask, and the parts of the breakdowns the page withholds
    whole (``_Cells.needed``'s ``WHOLE``: drawn as no cell at all, not even a label)."""
    cells = _Cells(values, groups, fixed or {})
    cells.derive_fixed()
    masked = bytearray(len(cells.keys))
    for i in range(cells.present):
        if small(cells.values[i]):
            masked[i] = 1
    for i, m in cells.fixed.items():
        if m and i < cells.present:
            masked[i] = 1
    whole = bytearray(len(cells.keys))
    member_of: list[list[int]] = [[] for _ in cells.keys]
    for g, (total, parts, _) in enumerate(cells.groups):
        member_of[total].append(g)
        for part in parts:
            member_of[part].append(g)
    queue, queued = deque(range(len(cells.groups))), bytearray([1]) * len(cells.groups)
    while queue:
        g = queue.popleft()
        queued[g] = 0
        total, parts, nonzero = cells.groups[g]
        extra = cells.needed(masked, total, nonzero)
        if extra is WHOLE:
            for p in parts:
                if p not in cells.fixed:
                    whole[p] = 1
            continue
        if extra is None:
            continue
        masked[extra] = 1
        for j in (*member_of[extra], g):
            if not queued[j]:
                queue.append(j)
                queued[j] = 1
    return ({cells.keys[i] for i in range(len(cells.keys)) if masked[i]},
            {cells.keys[i] for i in range(len(cells.keys)) if whole[i]})


def recoverable(values: Mapping[Hashable, int], masked: set, groups: Iterable[Group]) -> list[Group]:
    """Groups in which subtraction would reveal a masked cell (none after ``protect``)."""
    groups = [(t, tuple(p)) for t, p in groups]
    cells = _Cells(values, groups, {})
    flags = bytearray(len(cells.keys))
    for i, key in enumerate(cells.keys):
        flags[i] = key in masked
    return [group for group, (total, _, nonzero) in zip(groups, cells.groups)
            if cells.needed(flags, total, nonzero) is not None]


def range_masked(cells: pl.DataFrame, start: int, end: int, keys: Sequence[str]) -> pl.DataFrame:
    """Cells of a year range per ``keys``: the sum of the yearly ``n``, masked when any year is
    (and withheld ``whole`` when any year's is)."""
    return (
        cells.filter(pl.col("year").is_between(start, end))
        .group_by(keys)
        .agg(pl.col("n").sum(), pl.col("masked").any(), *([pl.col("whole").any()] if "whole" in cells.columns else []))
    )


def nested_differences(counts: pl.DataFrame, keys: Sequence[str], column: str) -> pl.DataFrame:
    """``counts`` (``keys`` + ``start``, ``end``, ``column``) with ``{column}_masked``: the
    count is 1-9, or it exceeds the count of a range nested in it (same keys) by 1 to 9."""
    shown = counts.filter(~pl.col(column).is_between(1, THRESHOLD - 1))
    inner = shown.select(*keys, pl.col("start").alias("i_start"), pl.col("end").alias("i_end"),
                         pl.col(column).alias("inner"))
    pairs = shown.join(inner, on=list(keys)).filter(
        (pl.col("i_start") >= pl.col("start")) & (pl.col("i_end") <= pl.col("end"))
        & ((pl.col("i_start") != pl.col("start")) | (pl.col("i_end") != pl.col("end")))
        & (pl.col(column) - pl.col("inner")).is_between(1, THRESHOLD - 1)
    ).select(*keys, "start", "end").unique().with_columns(pl.lit(True).alias("_diff"))
    return counts.join(pairs, on=[*keys, "start", "end"], how="left").with_columns(
        (pl.col(column).is_between(1, THRESHOLD - 1) | pl.col("_diff").fill_null(False)).alias(f"{column}_masked")
    ).drop("_diff")


def value(n: int | None, masked: bool) -> int | str | None:
    """A count as embedded: its ``label`` when masked, ``None`` when there is none."""
    if n is None:
        return None
    return label(int(n)) if masked else int(n)
