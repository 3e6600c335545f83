"""Generation speed and memory of ``chu generate`` at a given scale.

    .venv/bin/python -m benchmarks generate [--scale=1] [--seed=42] [--database] [--dsn=postgresql://...]

Prints rows per second for each output and in total (wall clock, and per CPU-second of the
process, which stays meaningful when other work shares the machine), and the peak resident
memory of the process. Files go to a temporary directory; with --database the care base is loaded into a
throw-away database on --dsn (default: the local service) and the COPY time is reported.
"""

from __future__ import annotations

import os
import resource
import tempfile
import time
import uuid
from pathlib import Path

from chu_platform.generate import generate
from chu_platform.lib import postgres
from chu_platform.schemas.sources import CARE_TABLES


def main(options: list[str]) -> None:
    scale, seed, database, dsn = 1.0, 42, False, "postgresql://postgres@127.0.0.1:5432/postgres"
    for option in options:
        name, _, value = option.partition("=")
        if name == "--scale":
            scale = float(value)
        elif name == "--seed":
            seed = int(value)
        elif name == "--database":
            database = True
        elif name == "--dsn":
            dsn = value
    steps: list[tuple[str, int, float, float]] = []
    target = None
    name = "chu_bench_" + uuid.uuid4().hex[:8]
    if database:
        target = postgres.create_database(dsn, name)
    try:
        with tempfile.TemporaryDirectory(prefix="generate-bench-") as tmp:
            started, cpu_started = time.perf_counter(), time.process_time()
            cpu_marks = [time.process_time()]

            def record(step: str, rows: int, seconds: float) -> None:
                cpu_marks.append(time.process_time())
                steps.append((step, rows, seconds, cpu_marks[-1] - cpu_marks[-2]))

            manifest = generate(Path(tmp) / "landing", scale=scale, seed=seed, source_dsn=target,
                                load_database=database, on_step=record)
            total_s, cpu_s = time.perf_counter() - started, time.process_time() - cpu_started
            drop_bytes = sum(f.bytes for f in manifest.files)
    finally:
        if database:
            postgres.drop_database(dsn, name)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"scale={scale} seed={seed} drop={drop_bytes / 1e6:,.0f} MB database={'yes' if database else 'no'}")
    print(f"{'step':28s} {'rows':>11s} {'wall s':>8s} {'rows/s':>12s} {'CPU s':>8s}")
    for step, rows, seconds, cpu in steps:
        print(f"{step:28s} {rows:>11,} {seconds:>8.2f} {rows / seconds if seconds else 0:>12,.0f} {cpu:>8.2f}")
    # Outputs are the care tables and the files' data lines; intermediate frames (e.g. the
    # establishments before their files) count in the time but not in the rows.
    output_rows = sum(rows for step, rows, _, _ in steps if step in CARE_TABLES or step.startswith("files:"))
    generation_s = sum(seconds for step, _, seconds, _ in steps if step != "database")
    generation_cpu = sum(cpu for step, _, _, cpu in steps if step != "database")
    print(f"{'generation, all outputs':28s} {output_rows:>11,} {generation_s:>8.2f} {output_rows / generation_s:>12,.0f} {generation_cpu:>8.2f}")
    print(f"{'  per CPU-second':28s} {'':>11s} {'':>8s} {output_rows / generation_cpu:>12,.0f}")
    print(f"{'wall clock (incl. database)':28s} {'':>11s} {total_s:>8.2f} {'':>12s} {cpu_s:>8.2f}")
    print(f"load average at the end: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    print(f"peak RSS {peak_mb:,.0f} MB")
