"""Dagster's daemon (``dagster-daemon run``), with the backfill loop's interval set by
``CHU_BACKFILL_TICK_SECONDS`` (default 2 s).

Dagster's backfill daemon looks at each backfill once every 30 s, a constant with no setting
(``dagster._daemon.controller.DEFAULT_DAEMON_INTERVAL_SECONDS``). A backfill advances one wave
of the asset graph per look: a run cannot hold an asset and a parent of another partitioning,
so a build from sources to marts takes four waves, two minutes of waiting on an idle machine.
The looks are not free: in a scale-0.05 backfill they were about a third of the daemon's busy
samples (py-spy), of a daemon using 23.5 CPU-s in all, much of it Dagster formatting the log
lines of each look (docs/benchmarks.md, "Session 15"). Everything else
is Dagster's daemon unchanged: the same command line, sensors, schedules, run queue, run
monitoring. ``make up`` and ``chu backfill`` start the daemon through this module.

    python -m chu_platform.lib.daemon run -w workspace.yaml

A daemon ``chu backfill`` started for its own duration keeps its code server for that duration
(``LEASED_RELOAD_SECONDS``): Dagster's daemon replaces its code servers every 60 s (a constant,
``dagster._daemon.controller.RELOAD_WORKSPACE_INTERVAL``), each a new process importing the
definitions and serving their snapshot again, about 7 CPU-s on the 2-core machine, four times in a
scale-1 backfill (docs/benchmarks.md, "Session 15"). Such a daemon serves the backfill it was
started for (a second build is refused while one is under way), on the code it was planned on.
``make up``'s daemon, which runs for days, keeps Dagster's 60 s and picks up new code.

A daemon that ``chu backfill`` started for its own duration (``CHU_DAEMON_CLIENTS``: the folder
where its clients leave their PIDs, ``deploy/services.py``) does not outlive them: once no
client of it runs (each ended, or was killed with ``SIGKILL``, which leaves it no chance to stop
the daemon), it asks Dagster to cancel the backfills still in flight (status ``CANCELING``:
its own backfill loop terminates their runs through the run launcher and marks them
canceled), waits for that, and stops its process group (itself, its code server, its run
workers). ``make up``'s daemon has no such folder and runs until ``make down``.
"""

import os
import signal
import sys
import threading
import time
from pathlib import Path

from chu_platform.lib import dagster_private

DEFAULT_TICK_SECONDS = 2.0
CLIENTS = "CHU_DAEMON_CLIENTS"
LEASED_RELOAD_SECONDS = 3600.0
CANCEL_SECONDS = 120.0


def live_clients(folder: Path) -> list[int]:
    import psutil

    return [int(e.name) for e in folder.glob("*") if e.name.isdigit() and psutil.pid_exists(int(e.name))]


def cancel_backfills_in_flight(instance, timeout: float = CANCEL_SECONDS, poll: float = 1.0) -> list:
    """Mark every backfill in flight ``CANCELING`` and wait until the backfill loop ends them;
    returns those still in flight after ``timeout``. Every one, not only the clients': a daemon
    started for a backfill is the only daemon of its instance, and one its sensors started
    (declarative automation) left ``REQUESTED`` would wait for a daemon that does not come,
    refusing every later build."""
    deadline = time.monotonic() + timeout
    while True:
        flying = dagster_private.backfills_in_flight(instance)
        if not flying or time.monotonic() > deadline:
            return flying
        for backfill in flying:
            if backfill.status == dagster_private.BulkActionStatus.REQUESTED:
                instance.update_backfill(backfill.with_status(dagster_private.BulkActionStatus.CANCELING))
        time.sleep(poll)


def cancel_queued_runs(instance) -> list[str]:
    """Runs still waiting in the run queue (one a sensor requested, say) once the only daemon of
    the instance stops: no daemon will ever start them, and a queued run refuses every later
    build. Marked canceled, saying why; returns their ids."""
    import dagster as dg

    queued = instance.get_run_records(dg.RunsFilter(statuses=[dg.DagsterRunStatus.QUEUED]))
    for record in queued:
        instance.report_run_canceled(record.dagster_run, message="canceled: the daemon started for a backfill "
                                     "stopped with this run still queued (no daemon would start it)")
    return [record.dagster_run.run_id for record in queued]


def watch_clients(folder: Path, poll: float = 1.0) -> None:
    """Until no client in ``folder`` runs; then cancel their backfills and stop the group."""
    import dagster as dg

    while live_clients(folder):
        time.sleep(poll)
    with dg.DagsterInstance.get() as instance:
        cancel_backfills_in_flight(instance)
        cancel_queued_runs(instance)
    # As ``services.daemon_lease`` marks a daemon it stops: its heartbeat, still fresh, is not a live one.
    folder.with_name("daemon.stopped").touch()
    folder.with_name("daemon.leased").unlink(missing_ok=True)
    os.killpg(os.getpgrp(), signal.SIGTERM)


def warm_process_ahead(workspace: Path, home: Path) -> None:
    """Start the warm run process of the instance's ``warm_module`` now (``run_launcher.prestart``),
    with the working directory the workspace gives its code location, as a run of it will ask."""
    import yaml

    from chu_platform.lib import run_launcher

    instance_file = home / "dagster.yaml"
    config = yaml.safe_load(instance_file.read_text()) if instance_file.exists() else {}
    module = ((config or {}).get("run_launcher") or {}).get("config", {}).get("warm_module")
    if not module or not workspace.exists():
        return
    for entry in (yaml.safe_load(workspace.read_text()) or {}).get("load_from", []):
        target = entry.get("python_module") if isinstance(entry, dict) else None
        if isinstance(target, dict) and target.get("module_name") == module:
            run_launcher.prestart(module, target.get("working_directory"))
            return


def _workspace(argv: list[str]) -> Path | None:
    for flag in ("-w", "--workspace"):
        if flag in argv and argv.index(flag) + 1 < len(argv):
            return Path(argv[argv.index(flag) + 1])
    return None


def main() -> None:
    dagster_private.set_backfill_interval(float(os.environ.get("CHU_BACKFILL_TICK_SECONDS") or DEFAULT_TICK_SECONDS))
    if os.environ.get(CLIENTS):
        dagster_private.set_workspace_reload_interval(LEASED_RELOAD_SECONDS)
        threading.Thread(target=watch_clients, args=(Path(os.environ[CLIENTS]),), daemon=True,
                         name="chu-clients").start()
    workspace = _workspace(sys.argv)
    if workspace is not None and os.environ.get("DAGSTER_HOME"):
        threading.Thread(target=warm_process_ahead, args=(workspace, Path(os.environ["DAGSTER_HOME"])),
                         daemon=True, name="chu-warm-ahead").start()
    sys.argv[0] = "dagster-daemon"
    dagster_private.daemon_cli()


if __name__ == "__main__":
    main()
