"""Keeping one row per natural key, deterministically: the latest delivery wins."""

from __future__ import annotations

from collections.abc import Sequence

import polars as pl



def latest_per_key(df: pl.DataFrame, keys: Sequence[str]) -> pl.DataFrame:
    """One row per ``keys``: the one ingested last (then the last line of the last file)."""
    order = [c for c in ("_ingested_at", "_source_file", "_source_row") if c in df.columns]
    if order:
        df = df.sort(order, descending=True, nulls_last=True)
    return df.unique(subset=list(keys), keep="first", maintain_order=True)


def duplicates(df: pl.DataFrame, keys: Sequence[str]) -> int:
    """How many rows share their key with an earlier row."""
    return df.height - df.unique(subset=list(keys)).height
