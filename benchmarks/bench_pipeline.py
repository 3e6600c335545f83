"""Pipeline throughput: sources -> bronze -> silver -> gold -> marts through the real assets.

    .venv/bin/python -m benchmarks pipeline [--scales=1,10] [--dir=/tmp/chu-pipeline]
        [--pg=postgresql://postgres@127.0.0.1:5432/postgres]

For each scale: ``chu generate`` writes the sources (care base into a dedicated database on
the PostgreSQL service), then ``chu run`` materialises everything, each as a child process
of its own data directory. Reports wall time, peak memory (max RSS of the children), the
seconds of each run stage as ``chu run`` prints them, the rows each layer holds at the end
and rows per second per layer, then how time grows from one scale to the next.
"""

from __future__ import annotations

import os
import re
import resource
import subprocess
import sys
import time
from collections import defaultdict
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
from deltalake import DeltaTable

from benchmarks.peers.common import machine, option
from chu_platform.lib import postgres

LAYERS = ("bronze", "silver", "gold", "marts")
# "[3/41] ok    12.3s [2019] bronze/consultations, silver/consultations"
_PROGRESS = re.compile(r"^\[\d+/\d+\] (ok|FAILED)\s+([\d.]+)s(?: \[(\d+)\])? (.+)$")


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


def _stage_seconds(output: str) -> tuple[dict[str, float], list[str]]:
    """Seconds per layer from ``chu run``'s progress lines (mixed stages kept apart), and failures."""
    seconds: dict[str, float] = defaultdict(float)
    failures = []
    for line in output.splitlines():
        match = _PROGRESS.match(line.strip())
        if not match:
            continue
        status, spent, _, keys = match.groups()
        layers = {k.strip().split("/")[0] for k in keys.split(",")}
        seconds[layers.pop() if len(layers) == 1 else "mixed"] += float(spent)
        if status == "FAILED":
            failures.append(line.strip())
    return dict(seconds), failures


def run_scale(scale: float, root: Path, pg_server: str) -> dict:
    base = root / f"scale-{scale:g}"
    data = base / "data"
    data.mkdir(parents=True, exist_ok=True)
    database = f"chu_pipeline_{str(scale).replace('.', '_')}"
    dsn = postgres.create_database(pg_server, database, replace=True)
    env = {
        **os.environ,
        "CHU_DATA_DIR": str(data),
        "CHU_LANDING_DIR": str(data / "landing"),
        "CHU_LAKE_URI": "",
        "CHU_SOURCE_DSN": dsn,
        "CHU_PSEUDONYM_KEY": os.environ.get("CHU_PSEUDONYM_KEY", "benchmark-key-not-a-secret"),
        "DAGSTER_HOME": str(data / "dagster"),
    }
    env.pop("DAGSTER_PG_URL", None)
    generate_s, code, output = _child(["generate", "--scale", f"{scale:g}"], env, base / "generate.log")
    if code != 0:
        raise SystemExit(f"chu generate failed at scale {scale:g} (see {base / 'generate.log'}):\n{output[-2000:]}")
    run_s, code, output = _child(["run"], env, base / "run.log")
    peak_gib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 2**20
    per_layer, failures = _stage_seconds(output)
    rows = _layer_rows(data / "lake")
    return {
        "scale": scale, "generate_s": generate_s, "run_s": run_s, "exit": code, "peak_gib": peak_gib,
        "seconds": per_layer, "rows": rows, "failures": failures, "log": base / "run.log", "tail": output[-1500:],
    }


def main(options: list[str]) -> None:
    scales = [float(s) for s in option(options, "scales", "1,10").split(",")]
    root = Path(option(options, "dir", "/tmp/chu-pipeline"))
    pg_server = option(options, "pg", "postgresql://postgres@127.0.0.1:5432/postgres")
    print(f"machine: {machine()}")
    results = []
    for scale in scales:
        print(f"scale {scale:g}: generating sources and running the pipeline ...", flush=True)
        result = run_scale(scale, root, pg_server)
        results.append(result)
        status = "ok" if result["exit"] == 0 else f"FAILED (exit {result['exit']}, log {result['log']})"
        print(f"\n### scale {scale:g}: chu run {status}")
        print(f"- chu generate {result['generate_s']:.1f} s; chu run {result['run_s']:.1f} s; "
              f"peak RSS of the child processes so far {result['peak_gib']:.2f} GiB")
        print("\n| layer | rows at the end | stage seconds | rows/s |\n|---|---:|---:|---:|")
        for layer in (*LAYERS, "mixed"):
            spent = result["seconds"].get(layer, 0.0)
            count = result["rows"].get(layer, 0)
            rate = f"{count / spent:,.0f}" if spent and layer != "mixed" else "-"
            if spent or count:
                print(f"| {layer} | {count:,} | {spent:.1f} | {rate} |")
        for line in result["failures"]:
            print(f"- failed stage: {line}")
        if result["exit"] != 0:
            print(f"\nlast output of chu run:\n{result['tail']}")
    for before, after in zip(results, results[1:]):
        growth = after["run_s"] / before["run_s"] if before["run_s"] else float("nan")
        factor = after["scale"] / before["scale"]
        print(f"\nscale x{factor:g}: chu run time x{growth:.2f} ({'linear or better' if growth <= factor else 'worse than linear'})")
