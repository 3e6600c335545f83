"""Surrogate keys that do not depend on when or in which order a row was loaded.

A key is the first 63 bits of the SHA-256 of the dimension's name and natural key, so a
fact partition written today joins the dimension rebuilt next month. ``-1`` is the unknown
member of every dimension.
"""

from __future__ import annotations

import hashlib

import polars as pl

UNKNOWN_KEY = -1
_MASK_63 = (1 << 63) - 1


def surrogate(dimension: str, natural: str) -> int:
    digest = hashlib.sha256(f"{dimension}\x1f{natural}".encode()).hexdigest()
    return int(digest[:16], 16) & _MASK_63


def surrogate_keys(dimension: str, naturals: pl.Series) -> pl.Series:
    """Surrogate key of each natural key; null natural keys get the unknown member."""
    text = naturals.cast(pl.String)
    mapping = {value: surrogate(dimension, value) for value in text.drop_nulls().unique().to_list()}
    keys = text.replace_strict(mapping, default=None, return_dtype=pl.Int64)
    return keys.fill_null(UNKNOWN_KEY).alias(naturals.name)


def lookup(facts: pl.DataFrame, natural: str, dimension: pl.DataFrame, dim_natural: str, key: str) -> pl.DataFrame:
    """Add ``key`` to ``facts`` by natural key; a fact whose value is not in the dimension gets -1."""
    pairs = dimension.select(pl.col(dim_natural).alias(natural), pl.col(key)).unique(natural)
    return facts.join(pairs, on=natural, how="left", nulls_equal=False).with_columns(
        pl.col(key).fill_null(UNKNOWN_KEY)
    )
