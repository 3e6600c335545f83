"""Where a command's CPU and memory go, process by process: ``TreeMemory`` samples every process
of a tree (the orchestration benchmark's figures come from it); run as a module, it splits a
command's CPU by process.

    .venv/bin/python -m benchmarks.process_cpu [--every=0.3] -- chu backfill --from 2015 --to 2024

Prints the wall time, the sum of the CPU seconds of every process seen, and one line per
process (when it was first and last seen, its CPU seconds, its command line): the daemon, its
code servers, each run's process, the client. A process's last CPU reading is the one of its
last sample, so a process that ends between two samples loses at most ``--every`` seconds.
"""

from __future__ import annotations

import subprocess
import sys
import threading
import time

import psutil


class TreeMemory:
    """Peak RSS of a process and all its descendants, sampled in a thread; and the CPU seconds
    (user + system) of every process of the tree, as last sampled: the work done, which the
    load of other sessions on the machine does not inflate as it does wall time (a process that
    ends between two samples loses at most its last ``interval``). ``seen`` keeps, per process,
    its command line and when it was first and last sampled."""

    def __init__(self, pid: int, interval: float = 0.2) -> None:
        self.pid, self.interval = pid, interval
        self.peak_total = 0
        self.peak_single = 0
        self.peak_processes = 0
        self.seen: dict[tuple[int, float], dict] = {}
        self._started = time.monotonic()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    @property
    def cpu_seconds(self) -> float:
        return sum(entry["cpu"] for entry in self.seen.values())

    def __enter__(self) -> TreeMemory:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()

    def _sample(self) -> None:
        try:
            root = psutil.Process(self.pid)
        except psutil.NoSuchProcess:
            return
        while not self._stop.is_set():
            try:
                members = [root, *root.children(recursive=True)]
            except psutil.NoSuchProcess:
                return
            sizes = []
            now = time.monotonic() - self._started
            for process in members:
                try:
                    sizes.append(process.memory_info().rss)
                    times = process.cpu_times()
                    key = (process.pid, process.create_time())
                    if key not in self.seen:
                        self.seen[key] = {"command": " ".join(process.cmdline())[:110], "first": now}
                    self.seen[key].update(cpu=times.user + times.system, last=now)
                except (psutil.NoSuchProcess, psutil.AccessDenied, psutil.ZombieProcess):
                    pass
            if sizes:
                self.peak_total = max(self.peak_total, sum(sizes))
                self.peak_single = max(self.peak_single, max(sizes))
                self.peak_processes = max(self.peak_processes, len(sizes))
            self._stop.wait(self.interval)


def main(argv: list[str]) -> int:
    if "--" not in argv:
        print(__doc__, file=sys.stderr)
        return 2
    options, command = argv[:argv.index("--")], argv[argv.index("--") + 1:]
    every = float(next((o.split("=", 1)[1] for o in options if o.startswith("--every=")), 0.3))
    started = time.monotonic()
    child = subprocess.Popen(command)
    with TreeMemory(child.pid, every) as tree:
        child.wait()
    print(f"wall {time.monotonic() - started:.1f} s, CPU {tree.cpu_seconds:.1f} s (every process, last sample)")
    for (pid, _), entry in sorted(tree.seen.items(), key=lambda item: item[1]["first"]):
        if entry["cpu"] >= 0.05:
            print(f"{entry['first']:7.1f}-{entry['last']:7.1f} s {entry['cpu']:7.1f} CPU-s  {pid:>7} {entry['command']}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
