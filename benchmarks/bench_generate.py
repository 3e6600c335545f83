"""Generation speed and memory of ``chu generate`` at a given scale.

    .venv/bin/python -m benchmarks generate [--scale=1] [--seed=42] [--database] [--dsn=postgresql://...]

Prints rows per second for each output and in total, and the peak resident memory of the
process. Files go to a temporary directory; with --database the care base is loaded into a
throw-away database on --dsn (default: the local service) and the COPY time is reported.
"""

from __future__ import annotations

import resource
import tempfile
import time
import uuid
from pathlib import Path

from chu_platform.generate import generate
from chu_platform.lib import postgres


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
    steps: list[tuple[str, int, float]] = []
    target = None
    name = "chu_bench_" + uuid.uuid4().hex[:8]
    if database:
        target = postgres.create_database(dsn, name)
    try:
        with tempfile.TemporaryDirectory(prefix="generate-bench-") as tmp:
            started = time.perf_counter()
            manifest = generate(Path(tmp) / "landing", scale=scale, seed=seed, source_dsn=target,
                                load_database=database, on_step=lambda *step: steps.append(step))
            total_s = time.perf_counter() - started
            drop_bytes = sum(f.bytes for f in manifest.files)
    finally:
        if database:
            postgres.drop_database(dsn, name)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"scale={scale} seed={seed} drop={drop_bytes / 1e6:,.0f} MB database={'yes' if database else 'no'}")
    print(f"{'output':28s} {'rows':>11s} {'seconds':>8s} {'rows/s':>12s}")
    generated_rows = generated_s = 0.0
    for step, rows, seconds in steps:
        print(f"{step:28s} {rows:>11,} {seconds:>8.2f} {rows / seconds if seconds else 0:>12,.0f}")
        if step != "database":
            generated_rows += rows
            generated_s += seconds
    print(f"{'generation (all outputs)':28s} {int(generated_rows):>11,} {generated_s:>8.2f} {generated_rows / generated_s:>12,.0f}")
    print(f"{'wall clock (incl. database)':28s} {'':>11s} {total_s:>8.2f}")
    print(f"peak RSS {peak_mb:,.0f} MB")
