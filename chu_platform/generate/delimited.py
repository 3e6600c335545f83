"""Delimited text files built line by line, so that defects can be placed and located."""

from __future__ import annotations

import numpy as np
import polars as pl

from chu_platform.generate.streams import pick_lines


def lines_of(frame: pl.DataFrame, separator: str = ";", quote_all: bool = False) -> pl.Series:
    """One text line per row (no terminator); nulls become empty fields. Values must not
    contain the separator unless ``quote_all`` (then quotes are doubled, RFC 4180)."""
    fields = [pl.col(c).cast(pl.String).fill_null("") for c in frame.columns]
    if quote_all:
        fields = [pl.concat_str([pl.lit('"'), f.str.replace_all('"', '""', literal=True), pl.lit('"')]) for f in fields]
    return frame.select(pl.concat_str(fields, separator=separator).alias("line")).to_series()


def header_of(columns: tuple[str, ...] | list[str], separator: str = ";", quote_all: bool = False) -> str:
    return separator.join(f'"{c}"' if quote_all else c for c in columns)


def wrong_field_count(lines: pl.Series, rng: np.random.Generator, rate: float, first_line: int,
                      separator: str = ";", eligible: np.ndarray | None = None) -> tuple[pl.Series, list[int]]:
    """Drop the last field of half the picked lines and add a stray field to the others.

    Returns the new lines and the picked 1-based physical line numbers (``first_line`` is the
    physical number of ``lines[0]``)."""
    candidates = np.arange(len(lines)) if eligible is None else eligible
    picked = pick_lines(rng, candidates, rate)
    if len(picked) == 0:
        return lines, []
    shorter = np.zeros(len(lines), dtype=bool)
    longer = np.zeros(len(lines), dtype=bool)
    halves = rng.random(len(picked)) < 0.5
    shorter[picked[halves]] = True
    longer[picked[~halves]] = True
    fixed = pl.select(
        pl.when(pl.lit(pl.Series(shorter))).then(pl.lit(lines).str.replace(f"{separator}[^{separator}]*$", ""))
        .when(pl.lit(pl.Series(longer))).then(pl.concat_str([pl.lit(lines), pl.lit(f"{separator}EXTRA")]))
        .otherwise(pl.lit(lines))
    ).to_series()
    return fixed, (picked + first_line).tolist()


def text(header: str | None, lines: pl.Series, terminator: str = "\n") -> str:
    body = lines.str.join(terminator).item() if len(lines) else ""
    parts = ([header] if header is not None else []) + ([body] if len(lines) else [])
    return terminator.join(parts) + terminator if parts else ""
