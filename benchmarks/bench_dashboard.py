"""The dashboard at scale: file size and time to the first page drawn in Chromium.

    .venv/bin/python -m benchmarks dashboard [--data=/tmp/chu-pipeline/scale-1/data] [--repeat=3] [--build=no]

``--data`` is the data directory of a built platform (``python -m benchmarks pipeline
--scales=1`` leaves one under ``<dir>/scale-1/data``). Runs ``chu dashboard`` there as a child
process (wall time), then opens the file from disk in Debian's headless Chromium with every
non-file request refused, ``--repeat`` times in fresh pages, timing navigation start to the
overview drawn (the page marks ``body[data-rendered]`` once its charts are drawn).
``--build=no`` measures the file already there.
Targets (issue 13): under 10 MB, first page under 2 s.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

from benchmarks.peers.common import machine, option

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]


def first_page_seconds(path: Path, repeat: int) -> tuple[list[float], list[str]]:
    from playwright.sync_api import sync_playwright

    times, problems = [], []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        for _ in range(repeat):
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
            page.route("**/*", lambda r: r.continue_() if r.request.url.startswith("file:") else (
                problems.append(f"request left: {r.request.url}"), r.abort()))
            started = time.perf_counter()
            page.goto(path.as_uri(), wait_until="commit")
            page.wait_for_function("(document.body.dataset.rendered || '').startsWith('overview|')", timeout=120_000)
            times.append(time.perf_counter() - started)
            page.close()
        browser.close()
    return times, problems


def main(options: list[str]) -> None:
    data = Path(option(options, "data", "/tmp/chu-pipeline/scale-1/data")).resolve()
    repeat = int(option(options, "repeat", "3"))
    if not (data / "lake" / "gold").exists():
        raise SystemExit(f"no built platform under {data}: run `python -m benchmarks pipeline --scales=1` first")
    out = data / "dashboard.html"
    env = {**os.environ, "CHU_DATA_DIR": str(data), "CHU_LANDING_DIR": str(data / "landing"), "CHU_LAKE_URI": "",
           "CHU_PSEUDONYM_KEY": os.environ.get("CHU_PSEUDONYM_KEY", "benchmark-key-not-a-secret")}
    env.pop("DAGSTER_HOME", None)
    print(f"machine: {machine()}")
    build = option(options, "build", "yes") == "yes"
    started = time.perf_counter()
    command = [str(Path(sys.executable).with_name("chu")), "dashboard", "--out", str(out)]
    done = subprocess.run(command, env=env, capture_output=True, text=True) if build else None
    build_s = time.perf_counter() - started
    if done is not None and done.returncode != 0:
        raise SystemExit(f"chu dashboard failed:\n{done.stdout[-2000:]}{done.stderr[-2000:]}")
    load = open("/proc/loadavg").read().split()[:3]
    times, problems = first_page_seconds(out, repeat)
    size = out.stat().st_size
    print(f"\n| measure | value | target |\n|---|---:|---:|")
    if build:
        print(f"| chu dashboard (build, wall) | {build_s:.1f} s | - |")
    print(f"| file size | {size / 1e6:.2f} MB ({size:,} bytes) | < 10 MB |")
    print(f"| first page drawn in Chromium, median of {repeat} | {statistics.median(times):.2f} s "
          f"(min {min(times):.2f}, max {max(times):.2f}) | < 2 s |")
    print(f"\nload average before the browser runs: {' '.join(load)}; file {out}")
    if problems:
        print(f"problems in the page: {problems[:5]}")
