"""The flat files of the FTP drop that come from establishments, professionals and stays."""

from __future__ import annotations

import numpy as np
import polars as pl

from chu_platform.schemas import sources
from chu_platform.generate import delimited, hospitalisations
from chu_platform.generate.establishments import (Establishments, establishment_csv, finess_geolocalisation,
                                                  finess_structureet)
from chu_platform.generate.manifest import FileEntry, Rates, write_file
from chu_platform.generate.streams import pick_lines, stream, without


def finess_name(seed: int, years: list[int]) -> str:
    """``etalab-cs1100507-stock-YYYYMMDD-HHMM.csv`` stamped from the seed and the years, never
    from the clock, so that one seed always names the file the same way."""
    stamp = f"{max(years) + 1}{1 + seed % 12:02d}{1 + seed % 28:02d}-{seed % 24:02d}{(seed * 7) % 60:02d}"
    name = f"etalab-cs1100507-stock-{stamp}.csv"
    if not sources.FINESS_FILE_RE.match(name):
        raise AssertionError(f"{name} does not match the FINESS file contract")
    return name


def _csv(landing, relative: str, frame: pl.DataFrame, rng: np.random.Generator, rates: Rates,
         encoding: str = "utf-8", located: dict[str, list[int]] | None = None,
         eligible: np.ndarray | None = None) -> FileEntry:
    lines, wrong = delimited.wrong_field_count(delimited.lines_of(frame), rng, rates.wrong_field_count, 2, eligible=eligible)
    defects = dict(located or {})
    defects["wrong_field_count"] = wrong
    payload = delimited.text(delimited.header_of(frame.columns), lines).encode(encoding)
    return write_file(landing, relative, payload, data_lines=frame.height, encoding=encoding, defects=defects)


def write_establishments(landing, seed: int, years: list[int], est: Establishments, rates: Rates) -> list[FileEntry]:
    rng = stream(seed, "establishment-files")
    entries = [_csv(landing, sources.ESTABLISHMENT_FILE, establishment_csv(est), rng, rates)]
    structure = finess_structureet(est)
    # A few long names carry quotes, which the extract escapes by doubling (RFC 4180).
    quoted = rng.random(structure.height) < 0.03
    structure = structure.with_columns(
        pl.when(pl.lit(pl.Series(quoted))).then(pl.concat_str([pl.col("rslongue"), pl.lit(' "'), pl.col("voie"), pl.lit('"')]))
        .otherwise(pl.col("rslongue")).alias("rslongue")
    )
    escaped = structure.select(
        pl.when(pl.col(c).str.contains('[";]')).then(pl.concat_str([pl.lit('"'), pl.col(c).str.replace_all('"', '""', literal=True), pl.lit('"')]))
        .otherwise(pl.col(c)).alias(c) for c in structure.columns
    )
    lines = pl.concat([delimited.lines_of(escaped), delimited.lines_of(finess_geolocalisation(est, seed))])
    stamp = finess_name(seed, years).split("-stock-")[1][:8]
    header = f"finess;etalab;111;{stamp[:4]}-{stamp[4:6]}-{stamp[6:]}"  # the extract's date, as in its name
    payload = delimited.text(header, lines).encode("utf-8")
    entries.append(write_file(landing, finess_name(seed, years), payload, data_lines=len(lines), encoding="utf-8"))
    return entries


def write_professionals(landing, seed: int, professional_file: pl.DataFrame, activity_file: pl.DataFrame, rates: Rates) -> list[FileEntry]:
    rng = stream(seed, "professional-files")
    return [
        _csv(landing, sources.PROFESSIONAL_FILE, professional_file.select(sources.PROFESSIONAL_COLUMNS), rng, rates),
        _csv(landing, sources.ACTIVITY_FILE, activity_file.select(sources.ACTIVITY_COLUMNS), rng, rates),
    ]


def write_hospitalisations(landing, seed: int, stays: pl.DataFrame, unknown_rows: np.ndarray, rates: Rates) -> FileEntry:
    rng = stream(seed, "hospitalisation-file")
    pool = without(np.arange(stays.height), unknown_rows)
    impossible = pick_lines(rng, pool, rates.impossible_date)
    dates = stays.select(pl.col("day").cast(pl.Date).dt.strftime("%d/%m/%Y")).to_series()
    frame = stays.with_columns(hospitalisations.impossible_dates(dates, rng, impossible).alias("Date_Entree"))
    located = {"unknown_diagnosis": (unknown_rows + 2).tolist(), "impossible_date": (impossible + 2).tolist()}
    return _csv(landing, sources.HOSPITALISATION_FILE, frame.select(sources.HOSPITALISATION_COLUMNS), rng, rates,
                encoding="ascii", located=located, eligible=without(pool, impossible))
