"""Secrecy over a mart's years and an aggregate's years: once per year against once for all.

    .venv/bin/python -m benchmarks publish [--data=/tmp/chu-orchestration/scale-1/run/data] [--repeat=3]

On the lake of a data directory built by ``chu run`` or a backfill (the orchestration benchmark
leaves them under ``DIR/scale-S/{run,backfill}/data``): for every analysis, the mart built year by
year (``analyses.published`` per year, as ``build_mart`` did until session 13) and in one pass
(``analyses.published_years``, what it does now); for every ``gold/agg_*`` table, the previews
of a range run published year by year and at once (``published_aggregate``). Both ways must
give the same frames (compared before any time counts); the median of ``--repeat`` timings of
each is printed.
"""

from __future__ import annotations

import statistics
import time
from pathlib import Path

import polars as pl
from polars.testing import assert_frame_equal

from benchmarks.peers.common import machine, option
from chu_platform.layers.marts import aggregates, analyses
from chu_platform.layers.marts.periods import Period
from chu_platform.layers.marts.publication import published_aggregate
from chu_platform.lib import delta_store


def _timed(work, repeat: int) -> tuple[float, object]:
    times, result = [], None
    for _ in range(repeat):
        started = time.perf_counter()
        result = work()
        times.append(time.perf_counter() - started)
    return statistics.median(times), result


def _marts(con, repeat: int) -> tuple[float, float]:
    by_year = at_once = 0.0
    for name in analyses.ANALYSES:
        years = analyses.years_present(con, name)
        if not years:
            continue
        old_t, old = _timed(lambda: pl.concat([
            analyses.published(con, name, Period.year(y)).select(pl.lit(y, dtype=pl.Int32).alias("year"), pl.all())
            for y in years]), repeat)
        new_t, new = _timed(lambda: analyses.published_years(con, name, years), repeat)
        assert_frame_equal(old, new)
        by_year, at_once = by_year + old_t, at_once + new_t
    return by_year, at_once


def _aggregates(lake: str, repeat: int) -> tuple[float, float]:
    by_year = at_once = 0.0
    for aggregate in aggregates.AGGREGATES.values():
        uri = delta_store.table_uri(lake, ["gold", aggregate.table])
        if not delta_store.exists(uri):
            continue
        whole = delta_store.read(uri)
        years = sorted(whole["year"].unique().to_list())
        old_t, old = _timed(lambda: [published_aggregate(whole.filter(pl.col("year") == y), aggregate.analysis)
                                     for y in years], repeat)

        def together() -> list[pl.DataFrame]:
            shown = published_aggregate(whole, aggregate.analysis)
            return [shown.filter(pl.col("year") == y) for y in years]

        new_t, new = _timed(together, repeat)
        for o, n in zip(old, new):
            assert_frame_equal(o, n)
        by_year, at_once = by_year + old_t, at_once + new_t
    return by_year, at_once


def main(options: list[str]) -> None:
    data = Path(option(options, "data", "/tmp/chu-orchestration/scale-1/run/data")).resolve()
    repeat = int(option(options, "repeat", "3"))
    lake = str(data / "lake")
    if not (data / "lake" / "gold").exists():
        raise SystemExit(f"no gold under {lake}: run `python -m benchmarks orchestration --scale=1 --paths=run` first")
    print(f"machine: {machine()}")
    con = analyses.connect_gold(lake)
    marts = _marts(con, repeat)
    aggs = _aggregates(lake, repeat)
    print(f"\n`python -m benchmarks publish --data={data} --repeat={repeat}` (same frames both ways)\n")
    print("| what | year by year | all years at once |")
    print("|---|---:|---:|")
    print(f"| the eight marts (SQL and secrecy) | {marts[0]:.2f} s | {marts[1]:.2f} s |")
    print(f"| the aggregates' previews (secrecy) | {aggs[0]:.2f} s | {aggs[1]:.2f} s |")
