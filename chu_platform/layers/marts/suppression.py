"""Complementary (secondary) suppression: masked cells that subtraction cannot recover.

Masking the counts from 1 to 9 (primary suppression) is not enough where a surface also shows
the total of those counts: with a region's total and all its establishments but one, the
missing one is the total minus the others. Statistical offices then mask other cells too
(complementary suppression), so that subtraction yields only the sum of several masked cells,
and that sum itself says nothing small.

The rule, for each group of cells adding up to a known total: the masked cells of the group
must be none, or at least two whose sum is at least the threshold (10) and more than their
number (so they are not all ones), and no masked count from 1 to 9 may be pinned down by a
reader who also knows which kind each masked cell is. Published cells say their kind (a count
from 1 to 9 reads "<10", a complementary cell "s", ``marts/secrecy.py``), so that reader knows
each masked count lies in [1, 9], each complementary cell in [10, smallest cell still shown]
(a zero as itself), and their sum; a count is pinned when every other masked cell sits at the
bound that leaves it a single value (``_pinned``): "<10" = 1 beside "s" = 10, or "<10" + "<10"
= 18. While the group fails, the smallest cell still shown (nonzero, ties in row order) is
masked too. If it still fails with every nonzero cell masked, the group's total must be masked
as well (``TOTAL`` column). A reader who knows the rule and the kinds learns from a group only
that each masked count has at least two possible values; the property test checks exactly
that over random frames, by brute force.

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


_BIG = 1 << 40  # "no upper bound": the group shows no nonzero cell above the masked ones


def _protected(withheld_sum: pl.Expr, withheld: pl.Expr, threshold: int) -> pl.Expr:
    """No cell withheld, or at least two adding up to the threshold and more than one each."""
    return (withheld == 0) | ((withheld >= 2) & (withheld_sum >= threshold) & (withheld_sum > withheld))


def _low_slack(value: pl.Expr, threshold: int) -> pl.Expr:
    """How far a masked cell is above the least value its kind allows: 1 for a count 1-9,
    ``threshold`` for a complementary cell; a masked zero counts as known."""
    return pl.when(value.is_between(1, threshold - 1)).then(value - 1).when(value >= threshold) \
        .then(value - threshold).otherwise(0)


def _pinned(low: pl.Expr, up: pl.Expr, present: list[pl.Expr], threshold: int) -> pl.Expr:
    """Whether some masked count v (``present[v - 1]``: the group masks a count equal to v) has
    one possible value for a reader who knows the kinds: the other masked cells leave it no room
    below (v is 9, or they all sit at their least value: ``low`` is v's own slack) and none
    above (v is 1, or they all sit at their greatest value: ``up`` is v's own room)."""
    top = threshold - 1
    terms = [
        has & ((v == top) | (low == v - 1)) & ((v == 1) | (up == top - v))
        for v, has in zip(range(1, threshold), present)
    ]
    return pl.any_horizontal(terms) if terms else pl.lit(False)


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
    count as masked whatever their value. The reader bounds every complementary cell of the
    group by the smallest cell it still shows, whichever total it was withheld for (one above
    that bound counts as known: it was withheld for another total, which may pin it).
    """
    by = list(by)
    top = threshold - 1
    first = primary(count, threshold)
    if masked is not None:
        first = first | pl.col(masked).fill_null(False)
    value = pl.col(count).fill_null(0)
    small = value.is_between(1, top)
    work = df.with_row_index(_ROW).with_columns(first.alias(SUPPRESSED))
    group = by or [pl.lit(0)]
    hidden = pl.col(SUPPRESSED)
    present = [f"__has{v}" for v in range(1, threshold)]
    work = work.with_columns(
        pl.when(hidden).then(value).otherwise(0).sum().over(group).alias("__s0"),
        hidden.cast(pl.Int64).sum().over(group).alias("__k0"),
        pl.when(hidden).then(_low_slack(value, threshold)).otherwise(0).sum().over(group).alias("__d0"),
        pl.when(hidden & small).then(top - value).otherwise(0).sum().over(group).alias("__u0"),
        *((hidden & (value == v)).any().over(group).alias(name) for v, name in zip(range(1, threshold), present)),
    )
    has = [pl.col(name) for name in present]
    # The complementary cells withheld already, sorted, with running counts and sums: the room
    # they leave under a bound b is (cells <= b) * b - (their sum).
    before = (
        work.filter(hidden & (value >= threshold))
        .select(*by, value.cast(pl.Int64).alias("__cv"))
        .sort("__cv")
        .with_columns(pl.int_range(1, pl.len() + 1).over(group).alias("__cn"),
                      pl.col("__cv").cum_sum().over(group).alias("__cs"))
    )

    def room_under(frame: pl.DataFrame, bound: str, name: str) -> pl.DataFrame:
        # Both sides are sorted on the bound; within a group too, which polars cannot check.
        joined = frame.sort(bound).join_asof(before, left_on=bound, right_on="__cv", by=by or None,
                                             strategy="backward", check_sortedness=False)
        return joined.with_columns(
            (pl.col("__cn").fill_null(0) * pl.col(bound) - pl.col("__cs").fill_null(0)).alias(name)
        ).drop("__cv", "__cn", "__cs")

    rest = work.filter(~hidden & (value > 0)).sort([*by, count, _ROW], nulls_last=True).with_columns(
        value.shift(-1).over(group).fill_null(_BIG).cast(pl.Int64).alias("__bound"),
        value.min().over(group).cast(pl.Int64).alias("__bound0"),
    )
    rest = room_under(room_under(rest, "__bound", "__room"), "__bound0", "__room0").sort([*by, count, _ROW],
                                                                                         nulls_last=True)
    candidates = (
        rest.with_columns(
            (pl.col("__s0") + value.cum_sum().over(group)).alias("__s"),
            (pl.col("__k0") + pl.int_range(1, pl.len() + 1).over(group)).alias("__k"),
            (pl.col("__d0") + (value - threshold).cum_sum().over(group)).alias("__d"),
            pl.int_range(1, pl.len() + 1).over(group).alias("__rank"),
            value.cum_sum().over(group).alias("__added"),
        )
        .with_columns(
            (pl.col("__u0") + pl.col("__room") + pl.col("__rank") * pl.col("__bound") - pl.col("__added")).alias("__u"),
            (pl.col("__u0") + pl.col("__room0")).alias("__u0"),
        )
        .with_columns(
            (_protected(pl.col("__s"), pl.col("__k"), threshold)
             & ~_pinned(pl.col("__d"), pl.col("__u"), has, threshold)).alias("__ok"),
            (_protected(pl.col("__s0"), pl.col("__k0"), threshold)
             & ~_pinned(pl.col("__d0"), pl.col("__u0"), has, threshold)).alias("__ok0"),
        )
        # The first rank at which the group is protected; every candidate up to it is masked.
        .with_columns(
            pl.when(pl.col("__ok")).then(pl.col("__k")).otherwise(None).min().over(group).alias("__stop"),
        )
        .select(
            _ROW,
            (~pl.col("__ok0") & (pl.col("__stop").is_null() | (pl.col("__k") <= pl.col("__stop")))).alias("__more"),
        )
    )
    work = work.join(candidates, on=_ROW, how="left").with_columns(
        (hidden | pl.col("__more").fill_null(False)).alias(SUPPRESSED)
    )
    work = work.with_columns(
        pl.when(~hidden & (value > 0)).then(value).otherwise(None).min().over(group).fill_null(_BIG).alias("__min")
    )
    room = (pl.col("__min") - value).clip(lower_bound=0)
    sums = work.with_columns(
        pl.when(hidden).then(value).otherwise(0).sum().over(group).alias("__s"),
        hidden.cast(pl.Int64).sum().over(group).alias("__k"),
        pl.when(hidden).then(_low_slack(value, threshold)).otherwise(0).sum().over(group).alias("__d"),
        (pl.col("__u0") + pl.when(hidden & (value >= threshold)).then(room).otherwise(0).sum().over(group)).alias("__u"),
    )
    safe = _protected(pl.col("__s"), pl.col("__k"), threshold) & ~_pinned(pl.col("__d"), pl.col("__u"), has, threshold)
    return sums.with_columns((~safe).alias(TOTAL)).sort(_ROW).select(*df.columns, SUPPRESSED, TOTAL)


def group_safe(hidden: Sequence[int], shown: Sequence[int], threshold: int = THRESHOLD) -> bool:
    """The rule for one group, on plain values (the dashboard's groups): whether the withheld
    cells ``hidden`` of a group whose total and other cells ``shown`` are published protect
    every count 1-9 among them, for a reader who knows the kinds ("<10", "s") and the rule.
    ``complementary`` leaves every group it does not mark ``TOTAL`` in this state."""
    top = threshold - 1
    withheld, total = len(hidden), sum(hidden)
    if withheld == 0:
        return True
    if not (withheld >= 2 and total >= threshold and total > withheld):
        return False
    bound = min((v for v in shown if v > 0), default=_BIG)
    low = sum(v - 1 if 1 <= v <= top else v - threshold if v >= threshold else 0 for v in hidden)
    up = sum(top - v if 1 <= v <= top else max(0, bound - v) if v >= threshold else 0 for v in hidden)
    return not any(
        (v == top or low == v - 1) and (v == 1 or up == top - v) for v in set(hidden) if 1 <= v <= top
    )


def split(df: pl.DataFrame, part: str, total: str, part_masked: str, total_masked: str,
          threshold: int = THRESHOLD) -> pl.DataFrame:
    """``df`` with ``part_masked`` and ``total_masked`` raised where needed so that, on each
    row, ``total - part`` (a count no column publishes: the patients seen but not
    hospitalised, when ``part`` counts the hospitalised and ``total`` the seen) can neither be
    read as a count from 1 to 9 nor pinned. Per row whose total is shown, ``part`` and
    ``total - part`` are a group adding up to ``total`` (``complementary``); the difference is
    withheld exactly when ``part`` is, and is taken for a cell whose kind the reader knows
    (stricter than he can: no label names it). The marts and the dashboard both call it, so
    the same row is withheld the same way on every surface."""
    row = "__split_row"
    work = df.with_row_index(row)
    open_rows = work.filter(~pl.col(total_masked).fill_null(False) & pl.col(part).is_not_null()
                            & pl.col(total).is_not_null())
    if open_rows.is_empty():
        return df
    hidden = pl.col(part_masked).fill_null(False)
    cells = pl.concat([
        open_rows.select(row, pl.lit(0).alias("__cell"), pl.col(part).cast(pl.Int64).alias("__n"), hidden.alias("__m")),
        open_rows.select(row, pl.lit(1).alias("__cell"), (pl.col(total) - pl.col(part)).cast(pl.Int64).alias("__n"),
                         hidden.alias("__m")),
    ])
    done = complementary(cells, "__n", [row], masked="__m", threshold=threshold)
    more = done.filter((pl.col("__cell") == 0) & pl.col(SUPPRESSED))[row].unique().implode()
    exposed = done.filter(pl.col(TOTAL))[row].unique().implode()
    return work.with_columns(
        (hidden | pl.col(row).is_in(more)).alias(part_masked),
        (pl.col(total_masked).fill_null(False) | pl.col(row).is_in(exposed)).alias(total_masked),
    ).drop(row)
