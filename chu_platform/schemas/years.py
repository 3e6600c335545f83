"""The years each source covers: its first year, and the current year as its last.

Pure data, shared by the parsers (bronze), the file watcher and the Dagster partitionings
(``chu_platform/defs/partitions.py``, which build one partitions definition from each first year,
ending with the year in progress).
"""

from __future__ import annotations

from datetime import datetime, timezone

# The widest span: the date dimension and generic year-partitioned tables; INSEE's register
# of deceased persons starts with ``deces-1970``.
FIRST_YEAR = 1970

FIRST_YEARS: dict[str, int] = {"deaths": 1970, "care": 2015, "hospitalisations": 2015, "satisfaction": 2015}


def current_year() -> int:
    """The year in progress (UTC, as Dagster's partitions count it): the last partition of every source."""
    return datetime.now(timezone.utc).year


def offered_years(source: str) -> tuple[int, int] | None:
    """The first and last year of ``source``'s partitions (``None``: no year axis)."""
    first = FIRST_YEARS.get(source)
    return None if first is None else (first, current_year())


def spans(years) -> str:
    """``2015-2019, 2021``: runs of consecutive years."""
    ordered = sorted(set(years))
    parts: list[list[int]] = []
    for year in ordered:
        if parts and year == parts[-1][-1] + 1:
            parts[-1].append(year)
        else:
            parts.append([year])
    return ", ".join(str(p[0]) if len(p) == 1 else f"{p[0]}-{p[-1]}" for p in parts)
