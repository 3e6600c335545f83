"""What parsing one file yields: bronze rows, rejected lines and the reconciliation count."""

from __future__ import annotations

from dataclasses import dataclass, field

import polars as pl

from chu_platform.layers.bronze.lines import ROW

REJECT_COLUMNS = {"line_number": pl.Int64, "raw_text": pl.String, "reason": pl.String}


EXCERPT = 200


def excerpt(text: str, limit: int = EXCERPT) -> str:
    """``text`` as an error may quote it: at most ``limit`` characters, and how long it was."""
    if len(text) <= limit:
        return text
    return f"{text[:limit]}... ({len(text):,} characters in all)"


class SourceFormatError(ValueError):
    """A delivered file that cannot be read at all (missing column, not the expected format).

    The message names the file, the line, what was expected and what to do.
    """


@dataclass
class Parsed:
    """``rows``: bronze columns (strings) plus ``_source_row``; ``rejects``: line_number,
    raw_text, reason; ``lines_read``: the data lines this parse is answerable for, so that
    ``lines_read == rows.height + rejects.height``."""

    rows: pl.DataFrame
    rejects: pl.DataFrame
    lines_read: int
    notes: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.lines_read != self.rows.height + self.rejects.height:
            raise AssertionError(
                f"parser lost lines: {self.lines_read} read, {self.rows.height} rows, "
                f"{self.rejects.height} rejects"
            )


def rejects_frame(line_numbers, raw_texts, reasons) -> pl.DataFrame:
    return pl.DataFrame(
        {"line_number": line_numbers, "raw_text": raw_texts, "reason": reasons}, schema=REJECT_COLUMNS
    )


def empty_rejects() -> pl.DataFrame:
    return pl.DataFrame(schema=REJECT_COLUMNS)


def rejects_from_lines(frame: pl.DataFrame, reason: pl.Expr | str) -> pl.DataFrame:
    """Rejects for the lines of ``frame`` (``_source_row``, ``line``) with a reason."""
    reason_expr = pl.lit(reason) if isinstance(reason, str) else reason
    return frame.select(
        pl.col(ROW).cast(pl.Int64).alias("line_number"),
        pl.col("line").alias("raw_text"),
        reason_expr.cast(pl.String).alias("reason"),
    )


def undecodable_rejects(undecodable: list[tuple[int, str]], encoding: str) -> pl.DataFrame:
    return rejects_frame(
        [n for n, _ in undecodable],
        [raw for _, raw in undecodable],
        [f"bytes not valid {encoding}: the file is expected in {encoding}; "
         "fix the line's encoding at the source and re-deliver"] * len(undecodable),
    )


def combine(*frames: pl.DataFrame) -> pl.DataFrame:
    parts = [f for f in frames if f.height]
    if not parts:
        return empty_rejects()
    return pl.concat(parts, how="vertical").sort("line_number")
