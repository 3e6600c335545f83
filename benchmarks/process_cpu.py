"""Where a command's CPU goes, process by process: run it, sample every process of its tree.

    .venv/bin/python -m benchmarks.process_cpu [--every=0.3] -- chu backfill --from 2015 --to 2024

Prints the wall time, the sum of the CPU seconds of every process seen, and one line per
process (when it was first and last seen, its CPU seconds, its command line): the daemon, its
code servers, each run's process, the client. A process's last CPU reading is the one of its
last sample, so a process that ends between two samples loses at most ``--every`` seconds.
The orchestration benchmark gives the tree's total; this splits it.
"""

from __future__ import annotations

import subprocess
import sys
import time

import psutil


def sample(command: list[str], every: float = 0.3) -> tuple[float, dict[int, dict]]:
    started = time.monotonic()
    child = subprocess.Popen(command)
    root = psutil.Process(child.pid)
    seen: dict[int, dict] = {}
    while child.poll() is None:
        try:
            processes = [root, *root.children(recursive=True)]
        except psutil.NoSuchProcess:
            break
        for process in processes:
            try:
                with process.oneshot():
                    times = process.cpu_times()
                    entry = seen.setdefault(process.pid, {"command": " ".join(process.cmdline())[:110],
                                                          "first": time.monotonic() - started})
                    entry["cpu"] = times.user + times.system
                    entry["last"] = time.monotonic() - started
            except (psutil.NoSuchProcess, psutil.AccessDenied, psutil.ZombieProcess):
                pass
        time.sleep(every)
    return time.monotonic() - started, seen


def main(argv: list[str]) -> int:
    if "--" not in argv:
        print(__doc__, file=sys.stderr)
        return 2
    options, command = argv[:argv.index("--")], argv[argv.index("--") + 1:]
    every = float(next((o.split("=", 1)[1] for o in options if o.startswith("--every=")), 0.3))
    wall, seen = sample(command, every)
    print(f"wall {wall:.1f} s, CPU {sum(e['cpu'] for e in seen.values()):.1f} s (every process, last sample)")
    for pid, entry in sorted(seen.items(), key=lambda item: item[1]["first"]):
        if entry["cpu"] >= 0.05:
            print(f"{entry['first']:7.1f}-{entry['last']:7.1f} s {entry['cpu']:7.1f} CPU-s  {pid:>7} {entry['command']}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
