"""Materialisation metadata shared by the bronze assets."""

import dagster as dg
import polars as pl

from chu_platform.lib.markdown import markdown_table
from chu_platform.layers.marts.secrecy import preview_table

# Tables holding names of people: no preview in the UI, whose metadata is widely readable.
PERSONAL = {"deaths", "care_patients", "professionals", "care_professionals"}


def reasons_table(rejects: pl.DataFrame) -> str:
    """Reject counts per file and reason (never the raw text, which may name people)."""
    if rejects.height == 0:
        return "no rejects"
    counts = rejects.group_by("file", "reason").agg(pl.len().alias("lines")).sort("lines", descending=True)
    return markdown_table(counts.select("file", "reason", "lines"), rows=20, width=None)


def preview(entity: str, rows: pl.DataFrame) -> dict:
    if entity in PERSONAL or rows.height == 0:
        return {}
    head = rows.drop([c for c in rows.columns if c.startswith("_")])
    return {"preview": dg.MetadataValue.md(preview_table(head))}
