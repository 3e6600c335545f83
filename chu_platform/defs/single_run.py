"""``@single_run_asset``: a year-partitioned asset that computes any set of its years in one step."""

import warnings

import dagster as dg


def single_run_asset(**kwargs):
    """``dg.asset`` with ``BackfillPolicy.single_run()``: the asset reads ``context.partition_keys``
    and returns one frame whose ``year`` column holds each year; the IO manager writes each year
    as its own partition. (The parameter is beta: its warning would print at every load.)"""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", dg.BetaWarning)
        return dg.asset(backfill_policy=dg.BackfillPolicy.single_run(), **kwargs)
