"""The eight questions on the same gold rows in our engine, native DuckDB, PostgreSQL, Spark, pandas.

    .venv/bin/python -m benchmarks peers [--scale=1] [--repetitions=5] [--slow-repetitions=N]
        [--engines=ours,ours_facts,duckdb_native,postgresql,spark,pandas]
        [--dir=/tmp/chu-bench] [--pg=postgresql://postgres@127.0.0.1:5432/postgres]

``ours`` is the platform's serving path: ``run_analysis`` on a ``connect_gold`` connection,
exactly as ``chu query`` calls it (a current pre-aggregate when it can answer, else the facts).
``ours_facts`` is the same connection forced onto the facts: the analysis SQL over gold's
Delta files. ``--slow-repetitions`` sets fewer warm runs for PostgreSQL and Spark (at scale
10 a run of theirs takes seconds); ``--engines`` leaves engines out.

Every engine's answer is compared row by row with ours before its time counts; a mismatch
stops the benchmark. Loading (PostgreSQL COPY + indexes, Spark start-up, pandas reads) is
timed apart, never inside the query figures. Prints a Markdown table: median warm latency
per question, geo-mean, and the ratio of each engine's geo-mean to ours.
"""

from __future__ import annotations

import os
import time
from importlib import metadata
from pathlib import Path

import duckdb
import polars as pl

from benchmarks.peers.common import DEFAULT_DIR, machine, option, synthetic_lake
from chu_platform.lib import postgres
from chu_platform.layers.marts.analyses import ANALYSES, connect_gold, default_period, run_analysis
from chu_platform.latency import timing
from chu_platform.latency.benchmark import code_version
from chu_platform.latency.compare import assert_same
from chu_platform.latency.layouts import LayoutStore, gold_tables

ENGINES = ("ours", "ours_facts", "duckdb_native", "postgresql", "spark", "pandas")
SLOW = ("postgresql", "spark")
BENCH_DATABASE = "chu_bench"


class _DuckEngine:
    """Our engine (DuckDB over gold's Delta files) or DuckDB on native tables, fresh connection per question."""

    def __init__(self, connect, label: str, use_aggregates: bool = True) -> None:
        self.connect = connect
        self.label = label
        self.use_aggregates = use_aggregates

    def version(self) -> str:
        return f"{self.label}, DuckDB {duckdb.__version__}"

    def timed(self, name: str, period, repetitions: int) -> tuple[timing.Latency, pl.DataFrame]:
        with self.connect() as con:
            def ask():
                return run_analysis(con, name, period, use_aggregates=self.use_aggregates)

            latency = timing.measure(ask, repetitions)
            return latency, ask()

    def close(self) -> None:
        pass


def _peer(engine: str, gold: dict[str, str], pg_server: str):
    if engine == "postgresql":
        from benchmarks.peers.postgres import PostgresEngine

        peer = PostgresEngine(gold, postgres.create_database(pg_server, BENCH_DATABASE, replace=True))
        return peer, f"COPY {peer.load_s:.1f} s + indexes/ANALYZE {peer.index_s:.1f} s for {sum(peer.rows.values()):,} rows"
    if engine == "spark":
        from benchmarks.peers.spark import SparkEngine

        return SparkEngine(gold), "session start + file listing"
    from benchmarks.peers.pandas_engine import PandasEngine

    return PandasEngine(gold), "Delta -> pandas frames"


def _timed_peer(peer, name: str, params: dict[str, int], repetitions: int) -> tuple[timing.Latency, pl.DataFrame]:
    latency = timing.measure(lambda: peer.run(name, params), repetitions)
    return latency, peer.run(name, params)


def main(options: list[str]) -> None:
    scale = float(option(options, "scale", "1"))
    repetitions = int(option(options, "repetitions", "5"))
    slow_repetitions = int(option(options, "slow-repetitions", str(repetitions)))
    engines = option(options, "engines", ",".join(ENGINES)).split(",")
    root = Path(option(options, "dir", str(DEFAULT_DIR)))
    pg_server = option(options, "pg", "postgresql://postgres@127.0.0.1:5432/postgres")
    print(f"load average at start: {os.getloadavg()[0]:.1f}", flush=True)
    lake = synthetic_lake(scale, root)
    gold = gold_tables(lake)
    with connect_gold(lake) as con:
        period = default_period(con, "consultations_by_establishment")
    params = period.params()
    medians: dict[str, dict[str, float]] = {}
    versions: dict[str, str] = {}
    setup: dict[str, str] = {}
    reference: dict[str, pl.DataFrame] = {}
    for engine in ["ours", *[e for e in engines if e != "ours"]]:
        started = time.perf_counter()
        if engine == "ours":
            peer, how = _DuckEngine(lambda: connect_gold(lake), "serving path: gold/agg_* when current, else facts"), "none"
        elif engine == "ours_facts":
            label = "fact SQL over gold's Delta files"
            peer, how = _DuckEngine(lambda: connect_gold(lake), label, use_aggregates=False), "none"
        elif engine == "duckdb_native":
            store = LayoutStore(gold, root / f"scale-{scale:g}" / "layouts", period)
            store.build("duckdb_native")
            peer, how = _DuckEngine(lambda: store.connect("duckdb_native"), "native DuckDB tables"), "CREATE TABLE AS copy"
        else:
            peer, how = _peer(engine, gold, pg_server)
        setup[engine] = f"{how} ({time.perf_counter() - started:.1f} s in all)"
        versions[engine] = peer.version()
        print(f"{engine}: ready, {setup[engine]}", flush=True)
        medians[engine] = {}
        runs = slow_repetitions if engine in SLOW else repetitions
        try:
            for name in ANALYSES:
                if isinstance(peer, _DuckEngine):
                    latency, answer = peer.timed(name, period, runs)
                else:
                    latency, answer = _timed_peer(peer, name, params, runs)
                if engine == "ours":
                    reference[name] = answer
                else:
                    assert_same(name, "ours", reference[name], engine, answer)
                medians[engine][name] = latency.p50_ms
                print(f"  {name}: p50 {latency.p50_ms:.1f} ms (cold {latency.cold_ms:.1f} ms), answer = ours", flush=True)
        finally:
            peer.close()
        if engine == "postgresql":
            postgres.drop_database(pg_server, BENCH_DATABASE)
    _report(scale, period, repetitions, slow_repetitions, medians, versions, setup, options)


def _report(scale, period, repetitions, slow_repetitions, medians, versions, setup, options) -> None:
    ours = timing.geometric_mean(list(medians["ours"].values()))
    header = ["engine", *ANALYSES, "geo-mean", "ratio to ours"]
    lines = ["| " + " | ".join(header) + " |", "|---" + "|---:" * (len(header) - 1) + "|"]
    for engine, per_query in medians.items():
        geo = timing.geometric_mean(list(per_query.values()))
        cells = [f"{per_query[q]:,.1f}" for q in ANALYSES]
        lines.append(f"| {engine} | " + " | ".join(cells) + f" | {geo:,.1f} | {geo / ours:.1f}x |")
    slow = f" ({slow_repetitions} for {', '.join(SLOW)})" if slow_repetitions != repetitions else ""
    print(f"\n### Peers at scale {scale:g}: median warm latency (ms) of {repetitions} runs{slow}, period {period}\n")
    print("\n".join(lines))
    geo = {e: timing.geometric_mean(list(q.values())) for e, q in medians.items()}
    for engine, wanted, label in (("postgresql", 10, ">= 10x"), ("spark", 20, ">= 20x"), ("duckdb_native", 1, ">= 1.0x")):
        if engine in geo:
            ratio = geo[engine] / ours
            print(f"target: ours vs {engine} {ratio:.1f}x ({label}): {'met' if ratio >= wanted else 'NOT met'}")
    print("\nsetup (not in the figures):")
    for engine, text in setup.items():
        print(f"- {engine}: {versions[engine]}; {text}")
    print(f"\nmachine: {machine()}")
    print(f"code {code_version()}; polars {metadata.version('polars')}, deltalake {metadata.version('deltalake')}")
    print(f"command: .venv/bin/python -m benchmarks peers {' '.join(options)}".rstrip())
