"""What the configured sources hold, by year: what ``chu run`` offers to materialise.

``available(settings, drop)`` maps each present source of ``sources.SOURCES`` to the set of
years its data covers, or to ``None`` when the source has no year axis. A source neither
delivered nor configured is absent from the answer. Only names, one column of
Hospitalisations.csv and a ``SELECT DISTINCT`` on consultations are read.
"""

from __future__ import annotations

import re

import polars as pl
import psycopg2

from chu_platform.bronze import care, deaths
from chu_platform.bronze.drop import Drop
from chu_platform.bronze.headed_csv import parse_headed
from chu_platform.bronze.lines import split_lines
from chu_platform.lib import postgres
from chu_platform.sources import HOSPITALISATION_COLUMNS, recognise

_DAY_MONTH_YEAR = re.compile(r"^\s*\d{1,2}/\d{1,2}/((?:19|20)\d{2})\s*$")


def hospitalisation_years(data: bytes, file: str = "Hospitalisations.csv") -> set[int]:
    """Years of ``Date_Entree`` (dd/mm/yyyy) in a Hospitalisations.csv."""
    lines = split_lines(data, "utf-8|cp1252")
    rows = parse_headed(lines, HOSPITALISATION_COLUMNS, file, required=("Date_Entree",)).rows
    year = pl.col("date_entree").str.extract(_DAY_MONTH_YEAR.pattern).cast(pl.Int32)
    return {int(y) for y in rows.select(year.alias("y")).get_column("y").drop_nulls().unique()}


def chu_death_years(data: bytes, file: str = "deces.csv") -> set[int]:
    """The death years of a CHU deces.csv: the partitions it feeds."""
    return deaths.chu_years(deaths.parse_chu_csv(split_lines(data, "utf-8|cp1252"), file))


def _care_years(settings) -> set[int] | None:
    """Consultation years, or None when no care database is configured or reachable."""
    if settings.source_dsn:
        dsn = settings.source_dsn
        if not postgres.can_connect(dsn):
            return None
    else:
        if not (settings.data_path / "pg").is_dir():
            return None
        dsn = postgres.care_dsn("", settings.data_dir)
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
            found[source] = (found.get(source) or set()) | hospitalisation_years(drop.read_bytes(file.path), file.path)
        elif recognised.fmt == "chu_csv":
            found[source] = (found.get(source) or set()) | chu_death_years(drop.read_bytes(file.path), file.path)
        elif recognised.year is not None:
            found[source] = (found.get(source) or set()) | {recognised.year}
        else:
            found.setdefault(source, None)
    care_years = _care_years(settings)
    if care_years is not None:
        found["care"] = care_years
    return found
