"""Complementary (secondary) suppression: masked cells that subtraction cannot recover.

Masking the counts from 1 to 9 (primary suppression) is not enough where a surface also shows
the total of those counts: with a region's total and all its establishments but one, the
missing one is the total minus the others. Statistical offices then mask other cells too
(complementary suppression), so that subtraction yields only the sum of several masked cells,
and that sum itself says nothing small.

The rule, for each group of cells adding up to a known total: the masked cells of the group
must be none, or at least two whose sum is at least the threshold (10) and more than their
number (so they are not all ones). While that fails, the smallest cell still shown (nonzero,
ties in row order) is masked too. If it still fails with every nonzero cell masked, the group's
total must be masked as well (``TOTAL`` column). A reader who knows the rule learns from a
group only that each masked cell lies between 1 and the smallest cell shown, with at least two
possible values; the property test checks exactly that over random frames.

Pure Polars, independent of the analyses: the dashboard applies it to its own frames.
"""

from __future__ import annotations

from collections.abc import Sequence

import polars as pl

THRESHOLD = 10
SUPPRESSED = "suppressed"
TOTAL = "total_suppressed"
_ROW = "__row"


def primary(count: str, threshold: int = THRESHOLD) -> pl.Expr:
    """Cells whose count is from 1 to ``threshold - 1``."""
    return pl.col(count).is_between(1, threshold - 1).fill_null(False)


def _protected(withheld_sum: pl.Expr, withheld: pl.Expr, threshold: int) -> pl.Expr:
    """No cell withheld, or at least two adding up to the threshold and more than one each."""
    return (withheld == 0) | ((withheld >= 2) & (withheld_sum >= threshold) & (withheld_sum > withheld))


def complementary(
    df: pl.DataFrame,
    count: str,
    by: Sequence[str],
    masked: str | None = None,
    threshold: int = THRESHOLD,
) -> pl.DataFrame:
    """``df`` with two boolean columns: ``suppressed`` (the ``count`` cell must be masked:
    primary, already ``masked``, or complementary) and ``total_suppressed`` (the total of the
    row's group, the rows equal on ``by``, must be masked too).

    ``count`` holds exact values (a null is treated as absent); ``masked`` names a boolean
    column of cells already masked for another reason (another total they belong to), which
    count as masked whatever their value.
    """
    by = list(by)
    first = primary(count, threshold)
    if masked is not None:
        first = first | pl.col(masked).fill_null(False)
    value = pl.col(count).fill_null(0)
    work = df.with_row_index(_ROW).with_columns(first.alias(SUPPRESSED))
    group = by or [pl.lit(0)]
    work = work.with_columns(
        pl.when(pl.col(SUPPRESSED)).then(value).otherwise(0).sum().over(group).alias("__s0"),
        pl.col(SUPPRESSED).cast(pl.Int64).sum().over(group).alias("__k0"),
    )
    candidates = (
        work.filter(~pl.col(SUPPRESSED) & (value > 0))
        .sort([*by, count, _ROW], nulls_last=True)
        .with_columns(
            (pl.col("__s0") + value.cum_sum().over(group)).alias("__s"),
            (pl.col("__k0") + pl.int_range(1, pl.len() + 1).over(group)).alias("__k"),
        )
        .with_columns(_protected(pl.col("__s"), pl.col("__k"), threshold).alias("__ok"))
        # The first rank at which the group is protected; every candidate up to it is masked.
        .with_columns(
            pl.when(pl.col("__ok")).then(pl.col("__k")).otherwise(None).min().over(group).alias("__stop"),
        )
        .select(
            _ROW,
            (
                ~_protected(pl.col("__s0"), pl.col("__k0"), threshold)
                & (pl.col("__stop").is_null() | (pl.col("__k") <= pl.col("__stop")))
            ).alias("__more"),
        )
    )
    work = work.join(candidates, on=_ROW, how="left").with_columns(
        (pl.col(SUPPRESSED) | pl.col("__more").fill_null(False)).alias(SUPPRESSED)
    )
    sums = work.with_columns(
        pl.when(pl.col(SUPPRESSED)).then(value).otherwise(0).sum().over(group).alias("__s"),
        pl.col(SUPPRESSED).cast(pl.Int64).sum().over(group).alias("__k"),
    )
    return sums.with_columns((~_protected(pl.col("__s"), pl.col("__k"), threshold)).alias(TOTAL)).sort(_ROW).select(
        *df.columns, SUPPRESSED, TOTAL
    )
