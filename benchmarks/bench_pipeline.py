"""Pipeline throughput: sources -> bronze -> silver -> gold -> marts through the real assets.

    .venv/bin/python -m benchmarks pipeline [--scales=1,10] [--dir=/tmp/chu-pipeline]
        [--pg=postgresql://postgres@127.0.0.1:5432/postgres] [--reuse-sources=yes] [--generate-only=yes]

For each scale: ``chu generate`` writes the sources (care base into a dedicated database on
the PostgreSQL service), then ``chu run`` materialises everything, each as a child process
of its own data directory (``--reuse-sources=yes``: sources already generated there by an
earlier run are kept and only ``chu run`` is timed, from an empty lake, raw zone and
instance; ``--generate-only=yes`` writes the sources and stops). Reports wall time, peak memory (max RSS of the children), the
seconds of each layer's steps (from the runs recorded in the Dagster instance), the rows
each layer holds at the end and rows per second per layer, then how time grows with scale.
"""

from __future__ import annotations

import os
import resource
import shutil
import subprocess
import sys
import time
from collections import defaultdict
from pathlib import Path

import dagster as dg
import pyarrow as pa
import pyarrow.compute as pc
from deltalake import DeltaTable

from benchmarks.peers.common import machine, option
from chu_platform.lib import postgres

LAYERS = ("bronze", "silver", "gold", "marts")


def _child(args: list[str], env: dict[str, str], log: Path) -> tuple[float, int, str]:
    """Run ``chu ARGS``; returns wall seconds, exit code and its output (also kept in ``log``)."""
    started = time.perf_counter()
    chu = str(Path(sys.executable).with_name("chu"))
    done = subprocess.run([chu, *args], env=env, capture_output=True, text=True)
    seconds = time.perf_counter() - started
    output = done.stdout + done.stderr
    log.write_text(output)
    return seconds, done.returncode, output


def _layer_rows(lake: Path) -> dict[str, int]:
    """Rows of the current version of every Delta table per layer (from the Delta log's stats)."""
    rows: dict[str, int] = defaultdict(int)
    for layer in LAYERS:
        for folder in sorted((lake / layer).glob("*/_delta_log")):
            actions = pa.table(DeltaTable(str(folder.parent)).get_add_actions(flatten=True))
            rows[layer] += int(pc.sum(actions.column("num_records")).as_py() or 0)
    return dict(rows)


def _step_seconds(home: Path) -> tuple[dict[str, float], int, list[str]]:
    """Seconds of every materialisation step per layer, from the runs recorded in the
    Dagster instance ``chu run`` used (step key ``<layer>__<table>``); run count; failed steps."""
    instance = dg.DagsterInstance.from_config(str(home))
    seconds: dict[str, float] = defaultdict(float)
    failures: list[str] = []
    runs = instance.get_runs()
    for run in runs:
        for step in instance.get_run_step_stats(run.run_id):
            if step.start_time is None or step.end_time is None:
                continue
            layer = step.step_key.split("__", 1)[0]
            seconds[layer if layer in (*LAYERS, "ops") else "other"] += step.end_time - step.start_time
            if step.status is not None and step.status.value != "SUCCESS":
                failures.append(f"{step.step_key} ({step.status.value})")
    return dict(seconds), len(runs), failures


def _clear_outputs(data: Path) -> None:
    """Everything ``chu run`` writes, so a reused set of sources is run from scratch."""
    for name in ("lake", "raw", "dagster", "warehouse.duckdb"):
        path = data / name
        if path.is_dir():
            shutil.rmtree(path)
        elif path.exists():
            path.unlink()


def _timeline(home: Path) -> list[str]:
    """One line per Dagster run of the instance: seconds from the first run's start to its
    start and end, its partition and its steps (where the wall time went)."""
    instance = dg.DagsterInstance.from_config(str(home))
    records = sorted((instance.get_run_record_by_id(r.run_id) for r in instance.get_runs()),
                     key=lambda r: r.start_time or 0)
    if not records:
        return []
    first = records[0].start_time or 0
    lines = []
    for record in records:
        run = record.dagster_run
        steps = [s.step_key for s in instance.get_run_step_stats(run.run_id)]
        start, end = (record.start_time or first) - first, (record.end_time or first) - first
        lines.append(f"{start:7.1f} -> {end:7.1f} s  {run.tags.get('dagster/partition', '-'):>4}  "
                     f"{len(steps)} steps: {', '.join(sorted(steps)[:3])}{', ...' if len(steps) > 3 else ''}")
    return lines


def run_scale(scale: float, root: Path, pg_server: str, reuse: bool = False, generate_only: bool = False) -> dict:
    base = root / f"scale-{scale:g}"
    data = base / "data"
    data.mkdir(parents=True, exist_ok=True)
    database = f"chu_pipeline_{str(scale).replace('.', '_')}"
    reuse = reuse and (data / "generation-manifest.json").exists() and postgres.can_connect(
        postgres.with_database(pg_server, database))
    dsn = postgres.create_database(pg_server, database, replace=not reuse)
    env = {
        **os.environ,
        "CHU_DATA_DIR": str(data),
        "CHU_LANDING_DIR": str(data / "landing"),
        "CHU_LAKE_URI": "",
        "CHU_SOURCE_DSN": dsn,
        "CHU_PSEUDONYM_KEY": os.environ.get("CHU_PSEUDONYM_KEY", "benchmark-key-not-a-secret"),
    }
    # chu prepares <data_dir>/dagster (SQLite) itself when neither of these is set.
    env.pop("DAGSTER_HOME", None)
    env.pop("DAGSTER_PG_URL", None)
    if reuse:
        _clear_outputs(data)
        generate_s, code, output = 0.0, 0, ""
    else:
        generate_s, code, output = _child(["generate", "--scale", f"{scale:g}"], env, base / "generate.log")
    if code != 0:
        raise SystemExit(f"chu generate failed at scale {scale:g} (see {base / 'generate.log'}):\n{output[-2000:]}")
    if generate_only:
        return {"scale": scale, "generate_s": generate_s, "generated_only": True}
    run_s, code, output = _child(["run"], env, base / "run.log")
    peak_gib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 2**20
    per_layer, runs, failures = _step_seconds(data / "dagster")
    rows = _layer_rows(data / "lake")
    return {
        "scale": scale, "generate_s": generate_s, "run_s": run_s, "exit": code, "peak_gib": peak_gib,
        "seconds": per_layer, "runs": runs, "rows": rows, "failures": failures, "log": base / "run.log", "tail": output[-1500:],
        "timeline": _timeline(data / "dagster"),
    }


def main(options: list[str]) -> None:
    scales = [float(s) for s in option(options, "scales", "1,10").split(",")]
    root = Path(option(options, "dir", "/tmp/chu-pipeline"))
    pg_server = option(options, "pg", "postgresql://postgres@127.0.0.1:5432/postgres")
    print(f"machine: {machine()}")
    results = []
    reuse = option(options, "reuse-sources", "no") == "yes"
    generate_only = option(options, "generate-only", "no") == "yes"
    for scale in scales:
        print(f"scale {scale:g}: generating sources and running the pipeline ... "
              f"load average {Path('/proc/loadavg').read_text().split()[:3]}", flush=True)
        result = run_scale(scale, root, pg_server, reuse, generate_only)
        if generate_only:
            print(f"scale {scale:g}: sources generated in {result['generate_s']:.1f} s under {root}")
            continue
        results.append(result)
        status = "ok" if result["exit"] == 0 else f"FAILED (exit {result['exit']}, log {result['log']})"
        print(f"\n### scale {scale:g}: chu run {status}; "
              f"load average after {Path('/proc/loadavg').read_text().split()[:3]}")
        generated = f"chu generate {result['generate_s']:.1f} s" if result["generate_s"] else "sources reused"
        print(f"- {generated}; chu run {result['run_s']:.1f} s; "
              f"peak RSS of the child processes so far {result['peak_gib']:.2f} GiB")
        print(f"- {result['runs']} Dagster runs; step seconds per layer summed over them (steps of one run may overlap)")
        print("\n| layer | rows in its tables at the end | step seconds | rows/s |\n|---|---:|---:|---:|")
        for layer in (*LAYERS, "ops", "other"):
            spent = result["seconds"].get(layer, 0.0)
            count = result["rows"].get(layer, 0)
            rate = f"{count / spent:,.0f}" if spent and count else "-"
            if spent or count:
                print(f"| {layer} | {count:,} | {spent:.1f} | {rate} |")
        print("\nruns (seconds from the first run's start):\n```")
        print("\n".join(result["timeline"]))
        print("```")
        for line in result["failures"]:
            print(f"- failed step: {line}")
        if result["exit"] != 0:
            print(f"\nlast output of chu run:\n{result['tail']}")
    for before, after in zip(results, results[1:]):
        growth = after["run_s"] / before["run_s"] if before["run_s"] else float("nan")
        factor = after["scale"] / before["scale"]
        print(f"\nscale x{factor:g}: chu run time x{growth:.2f} ({'linear or better' if growth <= factor else 'worse than linear'})")
