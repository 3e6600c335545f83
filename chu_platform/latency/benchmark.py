"""The query benchmark: every analysis, on every layout, timed cold and warm.

One row per (layout, analysis) per run, in the schema of ``ops/query_latency``. Every
layout's answer is compared with gold's before its figures are kept: a fast wrong answer
would make the comparison meaningless.
"""

from __future__ import annotations

import json
import os
import subprocess
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path

import psutil
import polars as pl

from chu_platform.layers.marts import analyses
from chu_platform.layers.marts.periods import Period
from chu_platform.latency import timing
from chu_platform.latency.compare import assert_same
from chu_platform.latency.layouts import LAYOUTS, REFERENCE, LayoutStore, check_names, gold_tables

ENGINE = "duckdb"

SCHEMA: dict[str, pl.DataType] = {
    "run_id": pl.String,
    "run_at": pl.Datetime("us", "UTC"),
    "code_version": pl.String,
    "engine": pl.String,
    "layout": pl.String,
    "layout_label": pl.String,
    "query": pl.String,
    "period_from": pl.Date,
    "period_to": pl.Date,
    "repetitions": pl.Int32,
    "cold_ms": pl.Float64,
    "min_ms": pl.Float64,
    "p50_ms": pl.Float64,
    "p95_ms": pl.Float64,
    "rows_scanned": pl.Int64,
    "data_bytes": pl.Int64,
    "result_rows": pl.Int64,
    "layout_build_s": pl.Float64,
    "host_cpus": pl.Int32,
    "host_ram_gib": pl.Float64,
}


@dataclass(frozen=True)
class BenchmarkRun:
    rows: pl.DataFrame
    period: Period
    rebuilt: list[str]


def code_version() -> str:
    """``git describe`` of the checkout when there is one, else the installed package version."""
    here = Path(__file__).resolve().parent
    try:
        described = subprocess.run(
            ["git", "describe", "--always", "--dirty", "--tags"],
            cwd=here, capture_output=True, text=True, timeout=5, check=True,
        ).stdout.strip()
        if described:
            return described
    except (OSError, subprocess.SubprocessError):
        pass
    try:
        return metadata.version("chu-platform")
    except metadata.PackageNotFoundError:
        return "unknown"


def answerable(gold: dict[str, str]) -> list[str]:
    """The analyses whose gold tables all exist (a partly built gold is benchmarked as far as it goes)."""
    return [name for name, analysis in analyses.ANALYSES.items() if set(analysis.tables) <= set(gold)]


def benchmark_period(lake: str, names: Sequence[str], year: int | None = None) -> Period:
    """The given year, else the latest complete year of the first analysis' facts."""
    if year is not None:
        return Period.year(year)
    with analyses.connect_gold(lake) as con:
        return analyses.default_period(con, names[0])


def rows_scanned(con, call: Callable[[], object]) -> int:
    """Rows read from storage by one run of ``call``, from DuckDB's profiler (an untimed run)."""
    con.execute("SET enable_profiling = 'no_output'")
    try:
        call()
        profile = json.loads(con.get_profiling_information())
    finally:
        con.execute("RESET enable_profiling")
    return int(profile.get("query", {}).get("total_rows_scanned", 0))


def run_benchmark(
    lake: str,
    scratch: Path,
    layouts: Sequence[str] = tuple(LAYOUTS),
    repetitions: int = 10,
    year: int | None = None,
    fragments: int = 16,
    log: Callable[[str], None] = lambda _: None,
) -> BenchmarkRun:
    """Time every analysis on every layout; raises ``AnswerMismatch`` if a layout disagrees."""
    gold = gold_tables(lake)
    names = answerable(gold)
    if not names:
        raise FileNotFoundError(f"no gold table under {lake}/gold: materialise gold (`chu run`) before benchmarking it")
    skipped = sorted(set(analyses.ANALYSES) - set(names))
    if skipped:
        log(f"not benchmarked, their gold tables are not built yet: {', '.join(skipped)}")
    period = benchmark_period(lake, names, year)
    order = [REFERENCE, *[name for name in check_names(list(layouts)) if name != REFERENCE]]
    store = LayoutStore(gold, scratch, period, fragments)
    run_id, run_at, version = uuid.uuid4().hex, datetime.now(UTC), code_version()
    host = {"host_cpus": os.cpu_count() or 1, "host_ram_gib": round(psutil.virtual_memory().total / 2**30, 1)}
    # Gold's answers, computed before any timing: they are what every layout must return, and
    # this first pass warms the OS file cache and DuckDB for all layouts alike (the layout
    # timed first would otherwise pay for it alone).
    ask_gold = store.query(REFERENCE)
    with store.connect(REFERENCE) as con:
        references = {name: ask_gold(con, name) for name in names}
    records, rebuilt = [], []
    for layout in order:
        build_ms = timing.elapsed_ms(lambda: rebuilt.append(layout) if store.build(layout) else None)
        ask = store.query(layout)
        for name in names:
            with store.connect(layout) as con:
                latency = timing.measure(lambda: ask(con, name), repetitions)
                scanned = rows_scanned(con, lambda: ask(con, name))
                answer = ask(con, name)
            assert_same(name, REFERENCE, references[name], layout, answer)
            records.append(
                {
                    "run_id": run_id, "run_at": run_at, "code_version": version, "engine": ENGINE,
                    "layout": layout, "layout_label": LAYOUTS[layout].label, "query": name,
                    "period_from": period.start, "period_to": period.end, "repetitions": repetitions,
                    "cold_ms": latency.cold_ms, "min_ms": latency.min_ms, "p50_ms": latency.p50_ms,
                    "p95_ms": latency.p95_ms, "rows_scanned": scanned,
                    "data_bytes": store.data_bytes(layout, name), "result_rows": answer.height,
                    "layout_build_s": build_ms / 1000, **host,
                }
            )
        log(f"{layout}: {len(names)} analyses timed ({repetitions} warm runs each)")
    if layouts and REFERENCE not in layouts:
        records = [r for r in records if r["layout"] != REFERENCE]
    return BenchmarkRun(pl.DataFrame(records, schema=SCHEMA), period, rebuilt)


def summary(rows: pl.DataFrame) -> pl.DataFrame:
    """p50 in ms per query (rows) and layout (columns), with a geometric-mean row."""
    wide = rows.pivot(on="layout", index="query", values="p50_ms", aggregate_function="first")
    layouts = [c for c in wide.columns if c != "query"]
    geo = {"query": "geo-mean"} | {c: timing.geometric_mean(wide[c].drop_nulls().to_list()) for c in layouts}
    return pl.concat([wide, pl.DataFrame([geo], schema=wide.schema)])

