"""The real ``dagster-daemon`` on the project's workspace, for benchmarks that time what it does."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

from chu_platform.deploy.instance import prepare_home
from chu_platform.deploy.settings import project_root


class Daemon:
    """``dagster-daemon run`` for a data directory and a drop, started on enter, stopped on exit.

    ``ticking()`` returns once the drop sensor has evaluated: a fresh unrecognised marker file
    shows up in ``raw/unrecognised.json``, which the sensor rewrites when that list changes.
    """

    def __init__(self, data: Path, landing: Path, log: Path, extra_env: dict[str, str] | None = None) -> None:
        self.data, self.landing, self.log = data, landing, log
        env = {**os.environ, "CHU_DATA_DIR": str(data), "CHU_LANDING_DIR": str(landing), "CHU_LAKE_URI": "",
               "CHU_SOURCE_DSN": "", "PYTHONWARNINGS": "ignore", **(extra_env or {})}
        env.pop("DAGSTER_HOME", None)
        env.pop("DAGSTER_PG_URL", None)
        env["DAGSTER_HOME"] = str(prepare_home(data, env))
        self.env = env
        self.process: subprocess.Popen | None = None

    @property
    def home(self) -> str:
        return self.env["DAGSTER_HOME"]

    def __enter__(self) -> Daemon:
        self.process = subprocess.Popen(
            [str(Path(sys.executable).with_name("dagster-daemon")), "run", "-w", "workspace.yaml"],
            cwd=project_root(), env=self.env, stdout=open(self.log, "w"), stderr=subprocess.STDOUT,
        )
        return self

    def __exit__(self, *exc) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(60)

    def tail(self) -> str:
        return self.log.read_text()[-3000:]

    def wait(self, condition, what: str, timeout: float = 300.0, poll: float = 0.1) -> float:
        """Seconds until ``condition()`` holds; fails with the daemon's log after ``timeout``."""
        started = time.monotonic()
        while not condition():
            if self.process is not None and self.process.poll() is not None:
                raise RuntimeError(f"the daemon stopped while waiting for {what}; its log ends with:\n{self.tail()}")
            if time.monotonic() - started > timeout:
                raise RuntimeError(f"{what}: not after {timeout:.0f} s; the daemon's log ends with:\n{self.tail()}")
            time.sleep(poll)
        return time.monotonic() - started

    def ticking(self) -> float:
        marker = f"MARKER-{uuid.uuid4().hex[:8]}.txt"
        Path(self.landing, marker).write_text("not a source file: tells the benchmark the sensor runs")
        listing = Path(self.data, "raw", "unrecognised.json")
        return self.wait(lambda: listing.exists() and marker in listing.read_text(), "the drop sensor's first tick")

    def latest_run(self, tags: dict[str, str]):
        import dagster as dg

        with dg.DagsterInstance.from_config(self.home) as instance:
            records = instance.get_run_records(dg.RunsFilter(tags=tags), limit=1)
            return records[0] if records else None
