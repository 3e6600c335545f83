"""What the query benchmarks share: options, the synthetic gold they run on, the machine."""

from __future__ import annotations

import os
import platform
import time
from pathlib import Path

import psutil

from chu_platform.lib import delta_store
from chu_platform.layers.marts.refresh import refresh_aggregates
from benchmarks import synthetic_gold

DEFAULT_DIR = Path("/tmp/chu-bench")


def option(options: list[str], name: str, default: str) -> str:
    """``--name=value`` from the command line, else ``default``."""
    prefix = f"--{name}="
    for item in options:
        if item.startswith(prefix):
            return item[len(prefix):]
    return default


def synthetic_lake(scale: float, root: Path) -> str:
    """The synthetic gold of ``scale`` under ``root`` (written once, reused by later runs), its
    pre-aggregates current as ``chu run`` would leave them."""
    lake = str(root / f"scale-{scale:g}" / "lake")
    if not delta_store.exists(delta_store.table_uri(lake, ["gold", "fact_deces"])):
        print(f"synthesising gold at scale {scale:g} in {lake} ...", flush=True)
        rows = synthetic_gold.write_gold(lake, scale)
        print("  " + ", ".join(f"{name} {count:,}" for name, count in rows.items()), flush=True)
    started = time.perf_counter()
    written = refresh_aggregates(lake)
    if written:
        print(f"  pre-aggregates (gold/agg_*) computed for {len(written)} (analysis, year) in "
              f"{time.perf_counter() - started:.1f} s", flush=True)
    return lake


def machine() -> str:
    memory = psutil.virtual_memory().total / 2**30
    load = ", ".join(f"{v:.1f}" for v in os.getloadavg())
    return (
        f"{os.cpu_count()} cores ({platform.processor() or platform.machine()}), {memory:.0f} GiB RAM, "
        f"{platform.platform()}; load average {load} (other work on the machine inflates every figure)"
    )
