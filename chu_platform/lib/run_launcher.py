"""Dagster's default run launcher, with the run-worker health check that run monitoring needs.

``DefaultRunLauncher`` starts each run in a process of its own on this machine but cannot tell
the monitoring daemon whether that process is still there: a run whose process was killed
(``kill -9``, the OOM killer, a reboot) stays ``STARTED`` forever and holds a slot of the run
queue. This launcher answers from the process table: the run's process, as its own
"Started process for run" event recorded it, is alive or it is not. The monitoring daemon
(``run_monitoring`` in dagster.yaml) then marks a dead run failed, which frees its slot and
fires the run-failure sensor.
"""

from __future__ import annotations

import psutil
from dagster import DagsterEventType, DefaultRunLauncher

from chu_platform.lib.dagster_private import CheckRunHealthResult, DagsterRun, WorkerStatus

STARTED_PROCESS = "Started process for run (pid: "


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


class LocalRunLauncher(DefaultRunLauncher):
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
