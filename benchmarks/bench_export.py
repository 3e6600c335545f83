"""The export of the published marts (asset ``marts/export``, ``chu export``): workbook, CSV, Parquet.

    .venv/bin/python -m benchmarks export [--data=/tmp/chu-orchestration/scale-1/run/data] [--repeat=3]

``--data`` is the data directory of a built platform (``python -m benchmarks orchestration
--scale=1 --paths=run`` leaves one under ``<dir>/scale-1/run/data``). Calls the export the asset
calls (``chu_platform.layers.marts.export.export``) into a temporary folder, ``--repeat`` times
for each of: the workbook alone, the CSV files alone, the Parquet files alone, all three (what the
asset writes); prints the median and range of each with the marts' rows and cells.
"""

from __future__ import annotations

import shutil
import statistics
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from benchmarks.peers.common import machine, option

FORMATS = {"workbook": ("xlsx",), "csv": ("csv",), "parquet": ("parquet",), "all three (the asset)": ("xlsx", "csv", "parquet")}


def main(options: list[str]) -> None:
    from chu_platform.layers.marts import export, secrecy

    data = Path(option(options, "data", "/tmp/chu-orchestration/scale-1/run/data")).resolve()
    repeat = int(option(options, "repeat", "3"))
    lake = data / "lake"
    if not (lake / "marts").exists():
        raise SystemExit(f"no marts under {lake}: run `python -m benchmarks orchestration --scale=1 --paths=run` first")
    marts, _ = export.read_marts(str(lake))
    rows = sum(df.height for df in marts.values())
    cells = sum(df.height * len(secrecy.shown_columns(df)) for df in marts.values())
    # (the code before the export's rewrite has no ``withheld``: the benchmark also runs there)
    withheld = sum(len(export.withheld(df)) for df in marts.values()) if hasattr(export, "withheld") else "?"
    print(f"machine: {machine()}")
    print(f"marts of {lake}: {len(marts)}, {rows:,} rows, {cells:,} cells, {withheld} withheld cells")
    now = datetime.now(UTC)
    lines = []
    for label, formats in FORMATS.items():
        times = []
        for _ in range(repeat):
            folder = Path(tempfile.mkdtemp(prefix="chu-export-bench-"))
            try:
                started = time.perf_counter()
                export.export(str(lake), folder / "export", now, formats, environ={})
                times.append(time.perf_counter() - started)
            finally:
                shutil.rmtree(folder, ignore_errors=True)
        lines.append(f"| {label} | {statistics.median(times):.1f} s | {min(times):.1f}–{max(times):.1f} s |")
    load = " ".join(open("/proc/loadavg").read().split()[:3])
    print(f"\n`python -m benchmarks export --data={data} --repeat={repeat}`, "
          f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC, load average {load}\n")
    print(f"| files | median of {repeat} | range |\n|---|---:|---:|")
    print("\n".join(lines))
