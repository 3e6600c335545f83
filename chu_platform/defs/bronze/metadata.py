"""Materialisation metadata shared by the bronze assets."""

import dagster as dg
import polars as pl

# Tables holding names of people: no preview in the UI, whose metadata is widely readable.
PERSONAL = {"deaths", "care_patients", "professionals", "care_professionals"}


def reasons_table(rejects: pl.DataFrame) -> str:
    """Reject counts per file and reason (never the raw text, which may name people)."""
    if rejects.height == 0:
        return "no rejects"
    counts = rejects.group_by("file", "reason").agg(pl.len().alias("lines")).sort("lines", descending=True)
    lines = ["| file | reason | lines |", "|---|---|---|"]
    lines += [f"| {f} | {r} | {n} |" for f, r, n in counts.head(20).iter_rows()]
    return "\n".join(lines)


def preview(entity: str, rows: pl.DataFrame) -> dict:
    if entity in PERSONAL or rows.height == 0:
        return {}
    head = rows.head(5).drop([c for c in rows.columns if c.startswith("_")])
    header = "| " + " | ".join(head.columns) + " |"
    body = ["| " + " | ".join("" if v is None else str(v) for v in row) + " |" for row in head.iter_rows()]
    return {"preview": dg.MetadataValue.md("\n".join([header, "|" + "---|" * len(head.columns), *body]))}
