"""Which delivery is loaded when one source year is delivered more than once.

The drop may hold the same year twice: e-Satis 2020 as ``.xlsx`` and ``.csv``, the deaths
register as ``deces-2019.txt`` and ``deces-2019.csv``, or one file name in two folders.
Loading both doubled bronze (50 e-Satis rows for 25) or, for the register, added deaths
that the de-duplication cannot recognise across formats. One delivery of each *unit* is
loaded:

* a unit is an entity's year; for the deaths register, a file of the year (its name without
  extension: ``deces-2019`` and the monthly ``deces-2019-m01`` are two units; ``.txt`` and
  ``.csv`` of one name are one);
* INSEE publishes a monthly file ``deces-YYYY-mMM`` while the year runs, then the year's file
  ``deces-YYYY``, which holds every monthly file of its year: once the year's file is
  delivered it alone is loaded, and the monthly files of that year are superseded by it
  (never loaded beside it: their deaths would count twice); until then each monthly file is
  loaded (months do not overlap);
* the latest delivery wins (the file's modification time in the drop);
* at equal times, INSEE's fixed-width register before its CSV, HAS's CSV before the
  spreadsheet, then the drop path's order;
* FINESS stock extracts: the newest stamp in the name.

The others stay in the raw zone and are reported as superseded (run log and metadata).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
import re
from pathlib import PurePosixPath

from chu_platform.layers.bronze.raw import Landed

# Lower ranks first at equal delivery times.
FORMAT_RANK = {"insee_fixed": 0, "insee_csv": 1, "esatis": 0, "esatis_xlsx": 1}
_MONTHLY = re.compile(r"^(?P<year_file>deces-\d{4})-m\d{2}$")


def unit(version: Landed) -> tuple:
    """What a delivery replaces."""
    if version.entity == "deaths":
        return version.entity, version.year, PurePosixPath(version.name).stem.lower()
    return version.entity, version.year


def _precedence(version: Landed, delivered: Mapping[str, float]) -> tuple:
    """Sorts the winner last."""
    when = delivered.get(version.drop_path, version.drop_mtime)
    if version.entity == "finess":
        return version.name, when
    return when, -FORMAT_RANK.get(version.fmt, 0), version.drop_path


def choose(versions: list[Landed], delivered: Mapping[str, float]) -> tuple[list[Landed], list[tuple[Landed, Landed]]]:
    """The versions to load, and each superseded one with the one loaded instead.
    ``delivered``: drop path -> modification time of the files now in the drop (the raw
    zone's recorded time for files no longer there)."""
    units: dict[tuple, list[Landed]] = defaultdict(list)
    for version in versions:
        units[unit(version)].append(version)
    loaded, superseded = [], []
    for group in units.values():
        ordered = sorted(group, key=lambda v: _precedence(v, delivered))
        winner = ordered[-1]
        loaded.append(winner)
        superseded.extend((other, winner) for other in ordered[:-1])
    year_files = {unit(v): v for v in loaded if v.entity == "deaths" and not _MONTHLY.match(unit(v)[2])}
    for month in [v for v in loaded if v.entity == "deaths" and _MONTHLY.match(unit(v)[2])]:
        year_file = year_files.get((month.entity, month.year, _MONTHLY.match(unit(month)[2])["year_file"]))
        if year_file is not None:
            loaded.remove(month)
            superseded.append((month, year_file))
    return sorted(loaded, key=lambda v: v.slot), superseded


def describe(superseded: list[tuple[Landed, Landed]]) -> list[str]:
    return [f"{old.drop_path} not loaded: {new.drop_path} {_why(old, new)}; it stays in the raw zone at "
            f"{old.raw_path}" for old, new in superseded]


def _why(old: Landed, new: Landed) -> str:
    if old.entity == "deaths" and _MONTHLY.match(unit(old)[2]) and not _MONTHLY.match(unit(new)[2]):
        return f"is the year's file, which holds every monthly file of {old.year}"
    return f"delivers the same {'year' if old.year else 'file'} later (or takes precedence)"
