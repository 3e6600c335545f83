"""A new year's file, from the drop to the marts, with the real daemon.

    .venv/bin/python -m benchmarks incremental --data-dir=DIR [--samples=2] [--scale=1]

``DIR`` is a data directory already built by ``chu run`` (the pipeline benchmark leaves one
at ``<dir>/scale-S/data``, the orchestration benchmark at ``<dir>/scale-S/run/data``). With the
daemon running on it, an INSEE register file for a year the platform does not hold yet,
written by the platform's generator at ``--scale`` for a complete year (after the platform's
last year and before the current one, else before its first), at the scale of ``DIR`` (a year of deaths as large
as the others, so the blocking volume checks of gold pass), is renamed into an empty drop; the clock stops when ``marts/deaths_by_region`` holds that year. On the way: the drop
sensor's run (bronze, silver, gold fact and pre-aggregate of that year, one run), then the
automation sensor's run of the marts. Prints the time to each layer.
"""

from __future__ import annotations

import os
import tempfile
import time
from datetime import date
from pathlib import Path

import polars as pl

from benchmarks.daemon import Daemon
from benchmarks.peers.common import machine, option
from chu_platform.generate import deaths as generated_deaths
from chu_platform.generate.manifest import Rates
from chu_platform.lib import delta_store
from chu_platform.defs.partitions import yearly_partitions


def _has_year(uri: str, year: int) -> bool:
    if not delta_store.exists(uri):
        return False
    return pl.scan_delta(uri).filter(pl.col("year") == year).select(pl.len()).collect().item() > 0


def main(options: list[str]) -> None:
    data = Path(option(options, "data-dir", "")).resolve()
    samples = int(option(options, "samples", "2"))
    scale = float(option(options, "scale", "1"))
    if not (data / "lake" / "bronze" / "deaths").exists():
        raise SystemExit("--data-dir must be a data directory built by `chu run` (e.g. the pipeline benchmark's)")
    lake = delta_store.lake_root(str(data))
    uris = {layer: delta_store.table_uri(lake, key) for layer, key in (
        ("bronze", ["bronze", "deaths"]), ("silver", ["silver", "deaths"]), ("gold", ["gold", "fact_deces"]),
        ("aggregate", ["gold", "agg_deaths_by_region"]), ("mart", ["marts", "deaths_by_region"]),
    )}
    present = pl.scan_delta(uris["bronze"]).group_by("year").len().collect().sort("year")
    lines = int(present["len"][-1])
    valid = {int(k) for k in yearly_partitions.get_partition_keys()}
    # Complete years only: the generator writes deaths all year long, and the platform rejects a
    # death dated after today (a file of the year in progress would fail its rejected_share
    # check). The years after the platform's last, then those before its first.
    held = [int(y) for y in present["year"]]
    candidates = [*range(max(held) + 1, min(max(valid), date.today().year - 1) + 1),
                  *range(min(held) - 1, min(valid) - 1, -1)]
    years = [y for y in candidates if not _has_year(uris["mart"], y)]
    if len(years) < samples:
        raise SystemExit(f"only {len(years)} year partition(s) left without data in {data}: {years}")
    print(f"machine: {machine()}")
    print(f"platform: {data} ({len(present)} years of deaths, {lines:,} register lines in the latest)")
    with tempfile.TemporaryDirectory(prefix="incremental-") as tmp:
        landing, staging = Path(tmp, "landing"), Path(tmp, "staging")
        landing.mkdir()
        staging.mkdir()
        key = {"CHU_PSEUDONYM_KEY": os.environ.get("CHU_PSEUDONYM_KEY", "benchmark-key-not-a-secret")}
        with Daemon(data, landing, Path(tmp, "daemon.log"), key) as daemon:
            print(f"daemon up, sensor ticking after {daemon.ticking():.1f}s")
            totals = []
            for sample, year in enumerate(years[:samples]):
                entries, _ = generated_deaths.write(staging, 100 + sample, scale, [year], Rates(), "insee_fixed")
                staged = Path(staging, entries[0].path)
                new_lines = entries[0].data_lines
                time.sleep(3.0 + 2.0 * sample)  # not in step with the sensor's cycle
                arrived = time.monotonic()
                staged.rename(Path(landing, staged.name))
                reached = {}
                for layer, uri in uris.items():
                    daemon.wait(lambda u=uri, y=year: _has_year(u, y), f"{year} in {layer}", timeout=600, poll=0.25)
                    reached[layer] = time.monotonic() - arrived
                totals.append(reached["mart"])
                print(f"  deces-{year}.txt ({new_lines:,} lines): " + ", ".join(f"{k} {v:.1f}s" for k, v in reached.items()))
    print(f"landing -> marts: max {max(totals):.1f}s, mean {sum(totals) / len(totals):.1f}s over {len(totals)} new year files; "
          f"load average {os.getloadavg()[0]:.1f}")
