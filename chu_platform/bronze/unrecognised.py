"""The drop's files that no source rule recognises: listed with what is wrong with the name.

A file that is never loaded must not go unnoticed: ``deces-2020 .txt`` (a space),
``déces-2020.txt`` (an accent) or ``..deces-2020.txt`` are delivered deaths the platform
would otherwise ignore without a word.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import PurePosixPath

import polars as pl

from chu_platform.bronze.drop import DropFile
from chu_platform.sources import recognise

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
    return f"{found}: expected a name of chu_platform/sources.py (e.g. deces-2020.txt, etablissement_sante.csv)"


def unrecognised_files(files: list[DropFile]) -> pl.DataFrame:
    """One row per delivered file whose name no source rule recognises."""
    rows = [
        {"path": f.path, "size": f.size, "modified_at": datetime.fromtimestamp(f.mtime, UTC),
         "why": why_unrecognised(f.path)}
        for f in files
        if recognise(f.path) is None
    ]
    return pl.DataFrame(rows, schema=SCHEMA)
