"""Split delimited lines into fields, vectorised for unquoted lines.

Lines without a quote character are split by Polars; lines with quotes (RFC 4180 fields,
doubled quotes) go through the standard ``csv`` module one by one, which is exact and only
costs on the files that quote. A line whose quoting is broken is a reject, not a crash.
"""

from __future__ import annotations

import csv

import polars as pl

from chu_platform.layers.bronze.lines import CONTROL, LINE, ROW
from chu_platform.layers.bronze.parsed import SourceFormatError, excerpt, rejects_from_lines

FIELDS = "fields"
# The longest header line the sources could have (HAS e-Satis: ~60 columns); longer is not a header.
MAX_HEADER = 20_000


def detect_separator(header: str, candidates: str = ";,") -> str:
    """The candidate separator that occurs most in ``header`` (first one on a tie)."""
    counts = [(header.count(c), -i, c) for i, c in enumerate(candidates)]
    return max(counts)[2]


def _split_quoted(lines: list[str], separator: str) -> list[list[str] | None]:
    out: list[list[str] | None] = []
    for line in lines:
        try:
            parsed = list(csv.reader([line], delimiter=separator, strict=True))
            out.append(parsed[0] if parsed else [""])
        except csv.Error:
            out.append(None)
    return out


def split_fields(frame: pl.DataFrame, separator: str) -> pl.DataFrame:
    """Add a ``fields`` list column to ``frame`` (``_source_row``, ``line``); null when the
    line's quoting cannot be read."""
    quoted = frame.get_column(LINE).str.contains('"', literal=True)
    plain = frame.filter(~quoted).with_columns(pl.col(LINE).str.split(separator).alias(FIELDS))
    with_quotes = frame.filter(quoted)
    if with_quotes.height:
        values = _split_quoted(with_quotes.get_column(LINE).to_list(), separator)
        with_quotes = with_quotes.with_columns(pl.Series(FIELDS, values, dtype=pl.List(pl.String)))
        return pl.concat([plain, with_quotes]).sort(ROW)
    return plain


def to_columns(frame: pl.DataFrame, names: list[str], positions: list[int | None]) -> pl.DataFrame:
    """Columns ``names`` taken from ``fields`` at ``positions`` (None -> a null column)."""
    return frame.select(
        pl.col(ROW),
        *[
            (pl.col(FIELDS).list.get(p) if p is not None else pl.lit(None, dtype=pl.String)).alias(n)
            for n, p in zip(names, positions)
        ],
    )


def check_fields(frame: pl.DataFrame, expected: int, separator: str) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(lines with exactly ``expected`` fields, rejects for blank, damaged (a control byte such
    as NUL inside the line), badly quoted or wrong-count lines)."""
    count = pl.col(FIELDS).list.len()
    blank = pl.col(LINE).str.strip_chars() == ""
    control = pl.col(CONTROL) if CONTROL in frame.columns else pl.lit(False)
    good = frame.filter(~blank & ~control & pl.col(FIELDS).is_not_null() & (count == expected))
    bad = frame.filter(blank | control | pl.col(FIELDS).is_null() | (count != expected))
    reason = (
        pl.when(blank)
        .then(pl.lit("blank line"))
        .when(control)
        .then(pl.lit("control byte in line (transfer damage, e.g. NUL): expected printable text"))
        .when(pl.col(FIELDS).is_null())
        .then(pl.lit("unbalanced or stray quote: fields could not be split"))
        .otherwise(
            pl.format(
                "expected {} fields separated by '{}', found {}",
                pl.lit(expected), pl.lit(separator), count,
            )
        )
    )
    return good, rejects_from_lines(bad, reason)


def header_names(frame: pl.DataFrame, separator: str, file: str) -> list[str]:
    """Field names of line 1, or an actionable error when the file is empty."""
    first = frame.filter(pl.col(ROW) == 1)
    if first.height == 0:
        raise SourceFormatError(
            f"{file}: line 1 is missing or unreadable; expected a header line separated by "
            f"'{separator}'. Re-deliver the file with its header."
        )
    line = first.get_column(LINE)[0]
    if len(line) > MAX_HEADER:
        raise SourceFormatError(
            f"{file}, line 1: {len(line):,} characters, not a header line (expected column names separated "
            f"by '{separator}', under {MAX_HEADER:,} characters); it starts {excerpt(line)!r}. Is this the "
            "right file, with its line ends? Re-deliver it."
        )
    fields = split_fields(first, separator).get_column(FIELDS)[0]
    if fields is None:
        raise SourceFormatError(f"{file}, line 1: the header's quoting cannot be read; re-deliver the file.")
    return [f.strip() for f in fields]
