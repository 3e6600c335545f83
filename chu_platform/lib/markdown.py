"""The one Markdown-table renderer (materialisation and check metadata, benchmark reports), and
its reader (what a stored preview shows, for the secrecy scans)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence

import polars as pl


def _cell(value: object, decimals: int | None, width: int | None) -> str:
    if value is None:
        return ""
    text = f"{value:,.{decimals}f}" if decimals is not None and isinstance(value, float) else str(value)
    if width is not None:
        text = text[:width]
    return text.replace("|", "/").replace("\n", " ")


def markdown_table(
    data: pl.DataFrame | Sequence[Mapping[str, object]],
    rows: int | None = 5,
    decimals: int | None = None,
    width: int | None = 40,
) -> str:
    """The first ``rows`` rows (all with ``None``) of a frame or of records as a Markdown table.

    Numeric columns are right-aligned; floats get ``decimals`` places when given; values are
    cut to ``width`` characters so that a preview stays readable.
    """
    if isinstance(data, pl.DataFrame):
        columns, records = data.columns, (data if rows is None else data.head(rows)).rows()
    else:
        records = [tuple(r.values()) for r in (data if rows is None else data[:rows])]
        columns = list(data[0]) if data else []
    if not columns:
        return "(no columns)"
    numeric = [
        any(isinstance(r[i], int | float) and not isinstance(r[i], bool) for r in records)
        and all(r[i] is None or isinstance(r[i], int | float) for r in records)
        for i in range(len(columns))
    ]
    lines = ["| " + " | ".join(columns) + " |", "|" + "|".join("---:" if n else "---" for n in numeric) + "|"]
    lines += ["| " + " | ".join(_cell(v, decimals, width) for v in r) + " |" for r in records]
    return "\n".join(lines)


def table_cells(text: str) -> Iterator[tuple[str, str]]:
    """(column, cell) of every row of every Markdown table in ``text``."""
    header = None
    for line in text.splitlines():
        if not line.startswith("|"):
            header = None
            continue
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if header is None:
            header = cells
        elif not set("".join(cells)) <= set("-: "):
            yield from zip(header, cells)
