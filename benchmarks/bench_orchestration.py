"""Orchestration: ``chu run`` against the same work as a Dagster backfill under the daemon.

    .venv/bin/python -m benchmarks orchestration [--scale=1] [--years=2015-2024] [--dir=/tmp/chu-orchestration]
        [--pg=postgresql://postgres@127.0.0.1:5432/postgres] [--reuse-sources=yes] [--paths=run,backfill,backfill-cold,run-stock,backfill-stock]

``chu generate --scale S --years Y1-Y2`` writes the sources once (the FTP drop under
``<dir>/scale-S/sources/landing``, the care base into a dedicated database of the PostgreSQL
service; ``--reuse-sources=yes`` keeps those of an earlier run). Then, each in a fresh data
directory reading that same drop and database, one after the other:

- ``run``: ``chu run`` (the build jobs' four range runs through ``dg.execute_job``, in its process);
- ``backfill``: ``chu backfill --from Y1 --to Y2``, which submits a Dagster asset backfill and
  starts Dagster's daemon for its duration (2 s backfill loop, ``chu_platform/lib/daemon.py``; run
  queue, ``max_concurrent_runs`` of ``dagster.yaml``, the run launcher's one process per run,
  sensors as they are by default);
- ``backfill-cold``: the same backfill with each run a new process started by the code server,
  Dagster's default (``CHU_WARM_RUNS=0``), instead of a fork of the warm process
  (``chu_platform/lib/run_launcher.py``);
- ``run-stock``, ``backfill-stock``: the same two on Dagster's stock SQLite storage
  (``CHU_FAST_INSTANCE=0``) instead of the default kept-open event log
  (``chu_platform/lib/instance_storage.py``).

Each is timed as a child process (wall seconds, and the CPU seconds of its whole process tree: the
work done, which other sessions' load inflates far less than wall time); the memory of its whole process tree (the
command, the daemon, code servers, run processes, worker pools) is sampled every 0.2 s with
psutil (peak of the sum of RSS, and the largest single process); the runs each instance holds
at the end are counted (by who made them: the backfill, a sensor, ``chu run``), with the span
from the first run's start to the last run's end. The two lakes are then compared: rows of
every gold and marts table, and the CSV answer of each of the eight analyses (``chu query``,
default period). Prints a Markdown table with the command, the date and the load average.
A path whose command fails, or whose instance holds a run that did not succeed, names each such
run and keeps a copy of its log and Dagster instance (lake left out) in
``<dir>/scale-S/<path>-kept-<UTC time>``, which later invocations leave alone.
The ``run`` data directory is kept: ``python -m benchmarks incremental --data-dir=...`` runs
on it (new file to mart under the daemon).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

from benchmarks.peers.common import machine, option
from benchmarks.process_cpu import TreeMemory
from chu_platform.lib import postgres
from chu_platform.defs.tags import RUNNER_TAG

PATHS = ("run", "backfill", "backfill-cold", "run-stock", "backfill-stock")
# Extra environment of a path: the -stock paths run on Dagster's stock SQLite storage.
PATH_ENV = {"backfill-cold": {"CHU_WARM_RUNS": "0"},
            "run-stock": {"CHU_FAST_INSTANCE": "0"}, "backfill-stock": {"CHU_FAST_INSTANCE": "0", "CHU_WARM_RUNS": "0"}}
COMPARED_LAYERS = ("gold", "marts")


def _load() -> str:
    return ", ".join(f"{v:.2f}" for v in os.getloadavg())


def _chu(args: list[str], env: dict[str, str], log: Path) -> dict:
    """``chu ARGS`` as a child process: wall seconds, exit code, memory of its process tree."""
    chu = str(Path(sys.executable).with_name("chu"))
    started = time.perf_counter()
    with open(log, "w") as out:
        child = subprocess.Popen([chu, *args], env=env, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        with TreeMemory(child.pid) as memory:
            code = child.wait()
    return {"seconds": time.perf_counter() - started, "exit": code, "cpu": memory.cpu_seconds, "peak_total": memory.peak_total,
            "peak_single": memory.peak_single, "processes": memory.peak_processes, "log": log}


def _runs(home: Path) -> dict:
    """Runs the instance holds, by who made them, failed ones, and first start to last end."""
    import dagster as dg

    with dg.DagsterInstance.from_config(str(home)) as instance:
        records = instance.get_run_records()
    makers: Counter[str] = Counter()
    failed = 0
    unsuccessful = []
    for record in records:
        tags = record.dagster_run.tags
        if "dagster/backfill" in tags:
            makers["backfill"] += 1
        elif "dagster/sensor_name" in tags:
            makers[f"sensor {tags['dagster/sensor_name']}"] += 1
        elif RUNNER_TAG in tags:
            makers[tags[RUNNER_TAG]] += 1
        else:
            makers["other"] += 1
        if record.dagster_run.status != dg.DagsterRunStatus.SUCCESS:
            failed += 1
            assets = sorted(k.to_user_string() for k in record.dagster_run.asset_selection or ())
            unsuccessful.append(f"{record.dagster_run.run_id[:8]} {record.dagster_run.status.value}: {', '.join(assets) or '-'}")
    starts = [r.start_time for r in records if r.start_time]
    ends = [r.end_time for r in records if r.end_time]
    span = (max(ends) - min(starts)) if starts and ends else 0.0
    return {"count": len(records), "by": dict(makers), "failed": failed, "span": span, "unsuccessful": unsuccessful}


def _answers(env: dict[str, str], log_dir: Path) -> dict[str, str]:
    """The CSV answer of every analysis (``chu query NAME --format csv``, default period)."""
    from chu_platform.layers.marts.analyses import ANALYSES

    chu = str(Path(sys.executable).with_name("chu"))
    answers = {}
    for name in ANALYSES:
        done = subprocess.run([chu, "query", name, "--format", "csv"], env=env, capture_output=True, text=True)
        answers[name] = done.stdout if done.returncode == 0 else f"FAILED ({done.returncode}): {done.stderr[-300:]}"
        (log_dir / f"query-{name}.csv").write_text(answers[name])
    return answers


def _table_rows(lake: Path) -> dict[str, int]:
    """Rows of every gold and marts table (current version, from the Delta log's stats)."""
    import pyarrow as pa
    import pyarrow.compute as pc
    from deltalake import DeltaTable

    rows = {}
    for layer in COMPARED_LAYERS:
        for folder in sorted((lake / layer).glob("*/_delta_log")):
            actions = pa.table(DeltaTable(str(folder.parent)).get_add_actions(flatten=True))
            rows[f"{layer}/{folder.parent.name}"] = int(pc.sum(actions.column("num_records")).as_py() or 0)
    return rows


def _environment(data: Path, landing: Path, dsn: str) -> dict[str, str]:
    env = {
        **os.environ,
        "CHU_DATA_DIR": str(data),
        "CHU_LANDING_DIR": str(landing),
        "CHU_LAKE_URI": "",
        "CHU_SOURCE_DSN": dsn,
        "CHU_PSEUDONYM_KEY": os.environ.get("CHU_PSEUDONYM_KEY", "benchmark-key-not-a-secret"),
        "PYTHONWARNINGS": "ignore",
    }
    # Each data directory gets its own SQLite instance under <data>/dagster.
    env.pop("DAGSTER_HOME", None)
    env.pop("DAGSTER_PG_URL", None)
    return env


def _years(text: str) -> tuple[int, int]:
    first, _, last = text.partition("-")
    return int(first), int(last or first)


def main(options: list[str]) -> None:
    scale = float(option(options, "scale", "1"))
    first, last = _years(option(options, "years", "2015-2024"))
    root = Path(option(options, "dir", "/tmp/chu-orchestration")) / f"scale-{scale:g}"
    pg_server = option(options, "pg", "postgresql://postgres@127.0.0.1:5432/postgres")
    paths = [p for p in option(options, "paths", ",".join(PATHS)).split(",") if p]
    unknown = sorted(set(paths) - set(PATHS))
    if unknown:
        raise SystemExit(f"--paths: unknown {unknown}; choose among {','.join(PATHS)}")
    started_at = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    command = "python -m benchmarks orchestration " + " ".join(options)
    print(f"machine: {machine()}")
    sources = root / "sources"
    landing = sources / "landing"
    database = f"chu_orchestration_{f'{scale:g}'.replace('.', '_')}"
    reuse = (option(options, "reuse-sources", "no") == "yes" and (sources / "generation-manifest.json").exists()
             and postgres.can_connect(postgres.with_database(pg_server, database)))
    dsn = postgres.create_database(pg_server, database, replace=not reuse)
    if reuse:
        print(f"sources: reused from {sources}", flush=True)
    else:
        if sources.exists():
            shutil.rmtree(sources)
        sources.mkdir(parents=True)
        print(f"generating scale {scale:g}, years {first}-{last} ... load average {_load()}", flush=True)
        generated = _chu(["generate", "--scale", f"{scale:g}", "--years", f"{first}-{last}"],
                         _environment(sources, landing, dsn), sources / "generate.log")
        if generated["exit"]:
            raise SystemExit(f"chu generate failed: see {generated['log']}")
        print(f"  chu generate {generated['seconds']:.1f} s", flush=True)
    commands = {
        "run": ["run"],
        "backfill": ["backfill", "--from", str(first), "--to", str(last)],
        "backfill-cold": ["backfill", "--from", str(first), "--to", str(last)],
        "run-stock": ["run"],
        "backfill-stock": ["backfill", "--from", str(first), "--to", str(last)],
    }
    results = {}
    for path in paths:
        base = root / path
        if base.exists():
            shutil.rmtree(base)
        data = base / "data"
        data.mkdir(parents=True)
        env = {**_environment(data, landing, dsn), **PATH_ENV.get(path, {})}
        load_before = _load()
        print(f"\n{path}: chu {' '.join(commands[path])} in {data} ... load average {load_before}", flush=True)
        result = _chu(commands[path], env, base / f"{path}.log")
        result.update(load_before=load_before, load_after=_load(), runs=_runs(data / "dagster"),
                      rows=_table_rows(data / "lake"), answers=_answers(env, base))
        results[path] = result
        status = "ok" if result["exit"] == 0 else f"FAILED (exit {result['exit']}, see {result['log']})"
        print(f"  {status}: {result['seconds']:.1f} s, {result['cpu']:.1f} CPU-s, peak tree RSS {result['peak_total'] / 2**30:.2f} GiB, "
              f"{result['runs']['count']} runs {result['runs']['by']}; load average after {result['load_after']}",
              flush=True)
        if result["exit"]:
            print("  last output:\n" + Path(result["log"]).read_text()[-2000:])
        if result["exit"] or result["runs"]["failed"]:
            # Kept for whoever looks into it: the next invocation replaces only <dir>/<path>.
            kept = root / f"{path}-kept-{datetime.now(UTC):%Y%m%dT%H%M%S}"
            for line in result["runs"]["unsuccessful"]:
                print(f"  run not successful: {line}")
            shutil.copytree(base, kept, symlinks=True, ignore=shutil.ignore_patterns("lake", "raw"))
            print(f"  its log and Dagster instance (run logs, event log) are kept in {kept}", flush=True)
    print(f"\n### Orchestration at scale {scale:g}, years {first}-{last} ({started_at})\n")
    print(f"`{command}` — {machine()}\n")
    print("| path | command | wall s | CPU s, process tree | runs created (by whom) | failed runs | first run start → last run end s "
          "| peak RSS, process tree | largest process | processes at once | load avg before → after |")
    print("|---|---|---:|---:|---|---:|---:|---:|---:|---:|---|")
    for path, r in results.items():
        by = ", ".join(f"{n} {who}" for who, n in sorted(r["runs"]["by"].items()))
        shown = " ".join([*(f"{k}={v}" for k, v in PATH_ENV.get(path, {}).items()), "chu", *commands[path]])
        print(f"| {path} | `{shown}` | {r['seconds']:.1f} | {r['cpu']:.1f} | {r['runs']['count']} ({by}) | "
              f"{r['runs']['failed']} | {r['runs']['span']:.1f} | {r['peak_total'] / 2**30:.2f} GiB | "
              f"{r['peak_single'] / 2**30:.2f} GiB | {r['processes']} | {r['load_before']} → {r['load_after']} |")
    for other in (p for p in ("backfill", "backfill-cold", "run-stock", "backfill-stock") if p in results and "run" in results):
        a, b = results["run"], results[other]
        tables = sorted(set(a["rows"]) | set(b["rows"]))
        differing = [t for t in tables if a["rows"].get(t) != b["rows"].get(t)]
        answers = [n for n in a["answers"] if a["answers"][n] != b["answers"].get(n)]
        failed = [n for r in (a, b) for n, text in r["answers"].items() if text.startswith("FAILED")]
        print(f"\nrun vs {other}, same answers: {len(tables) - len(differing)}/{len(tables)} gold and marts tables with the same "
              f"row count; {len(a['answers']) - len(answers)}/{len(a['answers'])} analyses with the same CSV answer"
              f"{' (queries failed: ' + ', '.join(sorted(set(failed))) + ')' if failed else ''}.")
        for table in differing:
            print(f"- {table}: run {a['rows'].get(table)}, {other} {b['rows'].get(table)}")
        for name in answers:
            print(f"- analysis {name} differs: see {root}/run/query-{name}.csv and {root}/{other}/query-{name}.csv")
    if "run" in results:
        print(f"\nThe `chu run` data directory is kept for the incremental benchmark: "
              f"python -m benchmarks incremental --data-dir={root / 'run' / 'data'}")
