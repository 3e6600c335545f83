"""The drop's files that are never loaded, listed with why: no source rule recognises the
name, or the year the name gives is outside its source's partitions.

A file that is never loaded must not go unnoticed: ``deces-2020 .txt`` (a space),
``déces-2020.txt`` (an accent) or ``..deces-2020.txt`` are delivered deaths the platform
would otherwise ignore without a word, and so are ``deces-2031.txt`` (a year to come) and
``deces-1850.txt`` (before the register's first year).
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import PurePosixPath

import polars as pl

from chu_platform.layers.bronze.drop import DropFile
from chu_platform.schemas.years import offered_years
from chu_platform.schemas.sources import recognise

SCHEMA = {"path": pl.String, "size": pl.Int64, "modified_at": pl.Datetime("us", "UTC"), "why": pl.String}
_YEAR_FOLDER = re.compile(r"(19|20)\d{2}")


def why_unrecognised(path: str) -> str:
    """What a user can fix in the name of a file no rule recognises."""
    pure = PurePosixPath(path)
    name = pure.name
    problems = []
    if re.search(r"\s", name):
        problems.append("the name holds a space or tab")
    if not name.isascii():
        problems.append("the name holds non-ASCII characters")
    if ".." in name:
        problems.append("the name holds '..'")
    if name != name.strip(". "):
        problems.append("the name starts or ends with a dot or a space")
    if any(_YEAR_FOLDER.fullmatch(p) for p in pure.parts[:-1]):
        problems.append("in a year folder: if it is a HAS companion file (lexicon...), it is kept in raw "
                        "with the e-Satis files, not loaded")
    found = "; ".join(problems) or "the name matches no source"
    return f"{found}: expected a name of chu_platform/schemas/sources.py (e.g. deces-2020.txt, etablissement_sante.csv)"



def why_outside(path: str) -> str | None:
    """Why a recognised file is not loaded because of its year (``None`` when its year is offered)."""
    recognised = recognise(path)
    if recognised is None or recognised.year is None:
        return None
    span = offered_years(recognised.source)
    if span is None or span[0] <= recognised.year <= span[1]:
        return None
    first, last = span
    when = "a year to come" if recognised.year > last else f"before {first}, the first year of the source"
    return (f"year {recognised.year} ({when}) is outside the {recognised.source} partitions {first}-{last}: not "
            "loaded; correct the year in the name and re-deliver, or remove the file")


def unrecognised_files(files: list[DropFile]) -> pl.DataFrame:
    """One row per delivered file that is never loaded: its name matches no source rule, or its
    year is outside its source's partitions."""
    rows = []
    for f in files:
        why = why_unrecognised(f.path) if recognise(f.path) is None else why_outside(f.path)
        if why is not None:
            rows.append({"path": f.path, "size": f.size, "modified_at": datetime.fromtimestamp(f.mtime, UTC),
                         "why": why})
    return pl.DataFrame(rows, schema=SCHEMA)
