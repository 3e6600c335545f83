"""Keyed pseudonyms (HMAC-SHA256) for patient identifiers and other re-identifying keys.

The key never leaves the resource that holds it. Hashing runs once per distinct value and
is joined back, so a column of millions of rows costs one HMAC per patient, not per row.
"""

from __future__ import annotations

import hashlib
import hmac

import polars as pl

_MASK_63 = (1 << 63) - 1


def digest(key: str, value: str) -> str:
    """Hex HMAC-SHA256 of ``value`` under ``key``."""
    if not key:
        raise ValueError(
            "The pseudonymisation key is empty: set CHU_PSEUDONYM_KEY (the chu CLI generates a "
            "demo key under <CHU_DATA_DIR>/.secrets when it is unset)"
        )
    return hmac.new(key.encode(), value.encode(), hashlib.sha256).hexdigest()


def pseudonymise(values: pl.Series, key: str) -> pl.Series:
    """The HMAC pseudonym of each value (nulls stay null), same name and length."""
    text = values.cast(pl.String).str.strip_chars()
    distinct = text.drop_nulls().unique().to_list()
    mapping = {value: digest(key, value) for value in distinct}
    return text.replace_strict(mapping, default=None, return_dtype=pl.String).alias(values.name)


def keyed_int64(values: pl.Series, key: str) -> pl.Series:
    """A non-negative Int64 drawn from the HMAC of each value: a surrogate that reveals nothing."""
    text = values.cast(pl.String)
    mapping = {value: int(digest(key, value)[:16], 16) & _MASK_63 for value in text.drop_nulls().unique().to_list()}
    return text.replace_strict(mapping, default=None, return_dtype=pl.Int64).alias(values.name)
