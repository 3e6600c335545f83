"""The run launcher: Dagster's default one, with runs forked from a warm process and the
run-worker health check that run monitoring needs.

**Warm runs.** Dagster's ``DefaultRunLauncher`` asks the code server to start each run; the code
server spawns a new Python process, which imports Dagster, Polars, the platform and builds the
definitions again before the run's first step (about 2 s of CPU per run here). With
``warm_module`` set (the root ``dagster.yaml`` sets ``chu_platform.definitions``), a run of that
code location is instead forked from a process that has imported it once
(``lib/run_forker.py``), and executes exactly as ``dagster api execute_run`` — the command
Dagster's container launchers run — would. The forker is started with the code location's own
interpreter and working directory at the first run, and started again when a source file of
the package changed since (as the code server is reloaded). Runs of any other code location,
and every run if the forker cannot start, go Dagster's default way. ``CHU_WARM_RUNS=0`` leaves
``warm_module`` out of ``chu``'s instance (``deploy/instance.py``). What it saves is measured
in docs/operations.md ("Warm runs").

**Dead runs.** ``DefaultRunLauncher`` cannot tell the monitoring daemon whether a run's process
is still there: a run whose process was killed (``kill -9``, the OOM killer, a reboot) stays
``STARTED`` forever and holds a slot of the run queue. This launcher answers from the process
table: the run's process, as its own "Started process for run" event recorded it, is alive or
it is not. The monitoring daemon (``run_monitoring`` in dagster.yaml) then marks a dead run
failed, which frees its slot and fires the run-failure sensor.
"""

from __future__ import annotations

import atexit
import logging
import os
import signal
import subprocess
import sys
import threading
from pathlib import Path

import psutil
from dagster import DagsterEventType, DefaultRunLauncher, Field, serialize_value

from chu_platform.lib.dagster_private import CheckRunHealthResult, DagsterRun, ExecuteRunArgs, WorkerStatus

STARTED_PROCESS = "Started process for run (pid: "
# The pid the forker answered for a run it forked (before the run records its own process).
FORKED_PID_TAG = "chu/forked_pid"
FORKER_MODULE = "chu_platform.lib.run_forker"

logger = logging.getLogger(__name__)


def run_process(instance, run_id: str) -> tuple[int, float] | None:
    """(pid, when it was recorded) of the latest process that started executing ``run_id``."""
    for entry in reversed(instance.all_logs(run_id, of_type=DagsterEventType.ENGINE_EVENT)):
        message = entry.dagster_event.message or ""
        if message.startswith(STARTED_PROCESS):
            return int(message[len(STARTED_PROCESS):].split(")")[0]), entry.timestamp
    return None


def alive(pid: int, since: float) -> bool:
    """The process exists and is the same one (a reused pid belongs to a younger process)."""
    try:
        process = psutil.Process(pid)
        return process.status() != psutil.STATUS_ZOMBIE and process.create_time() <= since + 1
    except psutil.Error:
        return False


def source_stamp(package_dir: Path) -> int:
    """The newest modification time of the package's Python sources (ns)."""
    newest = 0
    for folder, subfolders, files in os.walk(package_dir):
        subfolders[:] = [d for d in subfolders if d != "__pycache__"]
        for name in files:
            if name.endswith(".py"):
                newest = max(newest, os.stat(os.path.join(folder, name)).st_mtime_ns)
    return newest


class Forker:
    """One ``lib/run_forker.py`` process: a warm import of ``module``, forking a run per request."""

    def __init__(self, executable: str, module: str, working_directory: str | None):
        self.key = (executable, module, working_directory)
        cwd = Path(working_directory or os.getcwd())
        self.package_dir = cwd / module.split(".")[0]
        self.stamp = source_stamp(self.package_dir)
        self.process = subprocess.Popen(
            [executable, "-m", FORKER_MODULE, module], cwd=cwd, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
            text=True, bufsize=1)
        # Stopped with the process that started it, if nothing stopped it before.
        atexit.register(self.stop)
        answer = self.process.stdout.readline().strip()
        ready, _, folder = answer.partition(" ")
        if ready != "ready":
            self.stop()
            raise RuntimeError(f"warm run process for {module} did not start ({answer or 'exited'})")
        # The package the process imported, wherever it lies: its files are the ones watched. (The
        # workspace's "working_directory: ." is relative to the daemon's own directory, the
        # instance home, where no package lies: a changed file went unseen there.)
        if folder and Path(folder) != self.package_dir:
            self.package_dir = Path(folder)
            self.stamp = source_stamp(self.package_dir)

    def stale(self) -> bool:
        return self.process.poll() is not None or source_stamp(self.package_dir) != self.stamp

    def fork(self, serialized_args: str) -> int:
        self.process.stdin.write(serialized_args + "\n")
        self.process.stdin.flush()
        answer = self.process.stdout.readline().strip()
        if not answer.isdigit():
            raise RuntimeError(f"warm run process did not fork the run ({answer or 'exited'})")
        return int(answer)

    def stop(self) -> None:
        """Close its input: it exits; the runs it forked go on."""
        atexit.unregister(self.stop)
        if self.process.stdin and not self.process.stdin.closed:
            try:
                self.process.stdin.close()
            except OSError:
                pass
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        if self.process.stdout:
            self.process.stdout.close()


# A warm process started ahead of the first run (``prestart``), for the first launcher of this
# process whose run it fits; the lock is held while it starts, so that a run launched meanwhile
# waits for it instead of starting a second one.
_ahead: Forker | None = None
_ahead_lock = threading.Lock()


def prestart(module: str, working_directory: str | None, executable: str = sys.executable) -> None:
    """Start the warm process of ``module`` now instead of at the first run. The daemon calls it
    as it starts (``lib/daemon.py``): the import (about 2 s) then overlaps the code server's
    load and the first backfill tick instead of delaying the first run. Nothing happens if it
    cannot start: the first run tries again, and logs why."""
    global _ahead
    with _ahead_lock:
        try:
            _ahead = Forker(executable, module, working_directory)
        except (OSError, RuntimeError):
            _ahead = None


def _take_ahead(key: tuple) -> Forker | None:
    """The warm process ``prestart`` started, if it is the one for ``key`` and still current."""
    global _ahead
    with _ahead_lock:
        forker, _ahead = _ahead, None
    if forker is not None and forker.key == key and not forker.stale():
        return forker
    if forker is not None:
        forker.stop()
    return None


class LocalRunLauncher(DefaultRunLauncher):
    def __init__(self, inst_data=None, warm_module: str | None = None):
        super().__init__(inst_data=inst_data)
        self._warm_module = warm_module or None
        self._forker: Forker | None = None
        self._lock = threading.Lock()
        self._refused: str | None = None

    @classmethod
    def config_type(cls):
        return {"warm_module": Field(str, is_required=False, description=(
            "Module of a code location whose runs are forked from a process that imported it once "
            "(chu_platform/lib/run_launcher.py)."))}

    @classmethod
    def from_config_value(cls, inst_data, config_value):
        return cls(inst_data=inst_data, **config_value)

    # --- launching -------------------------------------------------------------------------
    def _warm_key(self, run: DagsterRun) -> tuple[str, str, str | None] | None:
        origin = run.job_code_origin
        if not self._warm_module or self._refused or origin is None:
            return None
        pointer = origin.repository_origin.code_pointer
        if getattr(pointer, "module", None) != self._warm_module:
            return None
        return (origin.executable_path or sys.executable, self._warm_module, getattr(pointer, "working_directory", None))

    def _fork(self, run: DagsterRun, key) -> int | None:
        args = serialize_value(ExecuteRunArgs(job_origin=run.job_code_origin, run_id=run.run_id,
                                              instance_ref=self._instance.get_ref()))
        with self._lock:
            try:
                if self._forker is not None and (self._forker.key != key or self._forker.stale()):
                    self._forker.stop()
                    self._forker = None
                if self._forker is None:
                    self._forker = _take_ahead(key) or Forker(*key)
                return self._forker.fork(args)
            except (OSError, RuntimeError) as error:
                # Once per process: from now on runs start Dagster's default way.
                self._refused = str(error)
                logger.warning("Runs start through the code server from now on: %s", error)
                if self._forker is not None:
                    self._forker.stop()
                    self._forker = None
                return None

    def launch_run(self, context) -> None:
        run = context.dagster_run
        key = self._warm_key(run)
        pid = self._fork(run, key) if key else None
        if pid is None:
            super().launch_run(context)
            return
        self._instance.add_run_tags(run.run_id, {FORKED_PID_TAG: str(pid)})
        self._run_ids.add(run.run_id)

    def terminate(self, run_id: str) -> bool:
        run = self._instance.get_run_by_id(run_id) if self.has_instance else None
        if run is None or run.is_finished or FORKED_PID_TAG not in run.tags:
            return super().terminate(run_id)
        self._instance.report_run_canceling(run)
        started = run_process(self._instance, run_id)
        pid = started[0] if started else int(run.tags[FORKED_PID_TAG])
        try:
            # What the code server does to a run it started: an interrupt, which Dagster's run
            # worker turns into a cancelled run.
            os.kill(pid, signal.SIGINT)
        except ProcessLookupError:
            return False
        return True

    def _stop_forker(self) -> None:
        with self._lock:
            if self._forker is not None:
                self._forker.stop()
                self._forker = None

    def dispose(self) -> None:
        self._stop_forker()
        super().dispose()

    # --- dead runs -------------------------------------------------------------------------
    @property
    def supports_check_run_worker_health(self) -> bool:
        return True

    def check_run_worker_health(self, run: DagsterRun) -> CheckRunHealthResult:
        started = run_process(self._instance, run.run_id)
        if started is None:
            # The process records itself before the run turns STARTED; none yet means it is starting.
            return CheckRunHealthResult(WorkerStatus.RUNNING, "run process not recorded yet")
        pid, since = started
        if alive(pid, since):
            return CheckRunHealthResult(WorkerStatus.RUNNING)
        return CheckRunHealthResult(WorkerStatus.FAILED, f"run process {pid} is gone (killed or crashed)")
