"""The eight analyses on synthetic gold in every physical layout, at scale 1 and 10.

    .venv/bin/python -m benchmarks queries [--scales=1,10] [--repetitions=10] [--dir=/tmp/chu-bench]

Targets (issue 7): each analysis p50 < 100 ms at scale 1 on gold as written (fact path) and
as served (``served``: the pre-aggregates, current once the synthetic gold is made); geo-mean
no slower than native DuckDB tables at scale 10. Prints whether each was met.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

from benchmarks.peers.common import DEFAULT_DIR, machine, option, synthetic_lake
from chu_platform.lib.markdown import markdown_table
from chu_platform.latency.benchmark import code_version, run_benchmark, summary
from chu_platform.latency.chart import draw
from chu_platform.latency.layouts import LAYOUTS, REFERENCE


def main(options: list[str]) -> None:
    scales = [float(s) for s in option(options, "scales", "1,10").split(",")]
    repetitions = int(option(options, "repetitions", "10"))
    root = Path(option(options, "dir", str(DEFAULT_DIR)))
    layouts = option(options, "layouts", ",".join(LAYOUTS)).split(",")
    print(f"machine: {machine()}; code {code_version()}")
    for scale in scales:
        lake = synthetic_lake(scale, root)
        result = run_benchmark(lake, root / f"scale-{scale:g}" / "layouts", layouts, repetitions, log=print)
        table = summary(result.rows)
        chart = draw(result.rows, root / f"scale-{scale:g}" / "query_latency.png", f"scale {scale:g}, period {result.period}")
        print(f"\n### scale {scale:g}: p50 ms, period {result.period}, {repetitions} warm runs\n")
        print(markdown_table(table, rows=None, decimals=1))
        cold = result.rows.pivot(on="layout", index="query", values="cold_ms", aggregate_function="first")
        print(f"\ncold (first run on a fresh connection), ms:\n\n{markdown_table(cold, rows=None, decimals=1)}\n\nchart: {chart}")
        _targets(scale, result.rows, table)


def _targets(scale: float, rows: pl.DataFrame, table: pl.DataFrame) -> None:
    for layout in (REFERENCE, "served"):
        timed = rows.filter(pl.col("layout") == layout)
        if scale == 1 and timed.height:
            slow = timed.filter(pl.col("p50_ms") >= 100)["query"].to_list()
            verdict = "met" if not slow else "NOT met for " + ", ".join(slow)
            print(f"target p50 < 100 ms per analysis at scale 1 ({layout}): {verdict}")
    geo = table.filter(pl.col("query") == "geo-mean").row(0, named=True)
    if "duckdb_native" in geo:
        for layout in (c for c in table.columns[1:] if c != "duckdb_native"):
            ratio = geo[layout] / geo["duckdb_native"]
            print(f"geo-mean {layout} / native DuckDB at scale {scale:g}: {ratio:.2f}x ({'met' if ratio <= 1 else 'not met'} for <= 1.0x)")
