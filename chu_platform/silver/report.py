"""Small summaries of frames for materialisation and check metadata."""

from __future__ import annotations

import polars as pl


def markdown_table(df: pl.DataFrame, rows: int = 5) -> str:
    """The first ``rows`` rows as a Markdown table (values shortened to stay readable)."""
    head = df.head(rows)
    if not head.columns:
        return "(no columns)"
    lines = ["| " + " | ".join(head.columns) + " |", "|" + "---|" * len(head.columns)]
    for row in head.iter_rows():
        cells = ["" if v is None else str(v)[:40].replace("|", "/") for v in row]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def null_counts(df: pl.DataFrame) -> dict[str, int]:
    """Null count of every column that has any."""
    counts = df.null_count().row(0, named=True)
    return {column: int(n) for column, n in counts.items() if n}
