"""What the configured sources hold, by year: what ``chu run`` offers to materialise.

``available(settings, drop)`` maps each present source of ``sources.SOURCES`` to the set of
years its data covers, or to ``None`` when the source has no year axis. A source neither
delivered nor configured is absent from the answer. Only names, the dates found in the
bytes of Hospitalisations.csv, the death dates of a CHU deces.csv and a ``SELECT DISTINCT``
on consultations are read.

Discovery never fails on a file's content: a damaged file is the business of the bronze
asset that reads it (which fails alone, naming the file), not of every run. A file whose
years cannot be read contributes none.
"""

from __future__ import annotations

import re

import polars as pl
import psycopg2

from chu_platform.layers.bronze import care, deaths
from chu_platform.layers.bronze.drop import Drop
from chu_platform.layers.bronze.lines import split_lines
from chu_platform.layers.bronze.parsed import SourceFormatError
from chu_platform.layers.bronze.unrecognised import offered_years
from chu_platform.lib import postgres
from chu_platform.schemas.sources import recognise

# Date_Entree is the only dd/mm/yyyy field of Hospitalisations.csv.
_DAY_MONTH_YEAR = re.compile(rb"(?<![0-9/])[0-3]?[0-9]/[01]?[0-9]/((?:19|20)[0-9]{2})(?![0-9/])")


def hospitalisation_years(data: bytes) -> set[int]:
    """Years of the admission dates (dd/mm/yyyy) in a Hospitalisations.csv, found in its bytes
    without parsing it: a file of any separator, encoding or damage gives the years it shows."""
    return {int(y) for y in set(_DAY_MONTH_YEAR.findall(data))}


def chu_death_years(data: bytes, file: str = "deces.csv") -> set[int]:
    """The death years of a CHU deces.csv: the partitions it feeds (none when unreadable)."""
    try:
        return deaths.chu_years(deaths.parse_chu_csv(split_lines(data, "utf-8|cp1252"), file))
    except (SourceFormatError, ValueError, pl.exceptions.PolarsError):
        return set()


def _care_years(settings) -> set[int] | None:
    """Consultation years, or None when no care database is configured or reachable."""
    if settings.source:
        dsn = settings.source
        if not postgres.can_connect(dsn):
            return None
    else:
        if not (settings.data_path / "pg").is_dir():
            return None
        dsn = postgres.care_dsn("", settings.data_path)
    try:
        return care.years(dsn)
    except psycopg2.Error:
        return None


def available(settings, drop: Drop) -> dict[str, set[int] | None]:
    """``{source: years or None}`` for every source present (see the module docstring)."""
    found: dict[str, set[int] | None] = {}
    for file in drop.list_files():
        recognised = recognise(file.path)
        if recognised is None:
            continue
        source = recognised.source
        if source == "hospitalisations":
            found[source] = (found.get(source) or set()) | hospitalisation_years(drop.read_bytes(file.path))
        elif recognised.fmt == "chu_csv":
            found[source] = (found.get(source) or set()) | chu_death_years(drop.read_bytes(file.path), file.path)
        elif recognised.year is not None:
            found[source] = (found.get(source) or set()) | {recognised.year}
        else:
            found.setdefault(source, None)
    care_years = _care_years(settings)
    if care_years is not None:
        found["care"] = care_years
    # A year no partition of its source holds is never loaded: raw/unrecognised_files lists the
    # file with why (or, for rows of a CHU deces.csv, bronze rejects them), so it is not offered.
    for source, years in found.items():
        span = offered_years(source)
        if years and span is not None:
            found[source] = {y for y in years if span[0] <= y <= span[1]}
    return found
