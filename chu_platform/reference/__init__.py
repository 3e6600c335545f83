"""Reference data shipped inside the package (sources in SOURCES.md beside this file)."""

from __future__ import annotations

from functools import cache
from importlib import resources

import polars as pl


def _path(name: str):
    return resources.files(__package__) / name


@cache
def departements() -> pl.DataFrame:
    """One row per département (2016 regions), plus the members ``abroad`` and ``unknown``."""
    with resources.as_file(_path("departements.csv")) as path:
        return pl.read_csv(path, schema_overrides={"departement_code": pl.String, "region_code": pl.String})


@cache
def communes() -> pl.DataFrame:
    """One row per (INSEE commune code, commune name, postal code) of La Poste's base."""
    with resources.as_file(_path("communes_laposte.csv.gz")) as path:
        return pl.read_csv(path, infer_schema=False)
