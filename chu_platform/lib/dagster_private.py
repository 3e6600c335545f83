"""Every private Dagster name the platform uses, in one module, each with the reason no public
API does the job; ``chu_platform_tests/test_dagster_private.py`` pins each behaviour used, so
that a Dagster upgrade that changes one fails there, not in production.
"""

from __future__ import annotations

# --- The daemon ---------------------------------------------------------------------------
# ``chu_platform.lib.daemon`` runs Dagster's daemon command line after setting the backfill
# loop's interval (the ``dagster-daemon`` script only calls this function). Dagster has no
# setting for that interval: a constant of 30 s, read by ``execute_backfill_iteration_loop``
# at each turn. Nor for how often the daemon replaces its code servers (``RELOAD_WORKSPACE_INTERVAL``,
# 60 s, read by ``DagsterDaemonController.check_workspace_freshness`` at each turn).
from dagster._daemon import controller as _controller
from dagster._daemon.cli import main as daemon_cli  # noqa: F401
# Whether a daemon heartbeats on an instance (the UI's "Daemons" page reads the same; no public API).
from dagster._daemon.controller import get_daemon_statuses  # noqa: F401

# --- Backfills ------------------------------------------------------------------------------
# ``chu backfill`` stores the object the UI's "Materialize -> years" creates, and follows it:
# Dagster offers no public constructor of an asset backfill, nor a public type for its status.
from dagster._core.definitions.assets.graph.asset_graph_subset import AssetGraphSubset  # noqa: F401
from dagster._core.definitions.events import AssetKeyPartitionKey  # noqa: F401
from dagster._core.execution.backfill import BulkActionsFilter, BulkActionStatus, PartitionBackfill  # noqa: F401
from dagster._core.storage.tags import BACKFILL_ID_TAG  # noqa: F401
from dagster._core.utils import make_new_backfill_id  # noqa: F401
# A partitioned check's latest result per year (the UI's check history): no public reader.
from dagster._core.event_api import PartitionKeyFilter  # noqa: F401
from dagster._core.storage.asset_check_execution_record import AssetCheckExecutionRecordStatus  # noqa: F401

# --- The executor (lib/executor.py): in process by default, Celery on request, chosen when a
# run starts. Dagster's public ``in_process_executor`` is a definition, not an executor a
# custom ``@dg.executor`` can return; its retries config is not public either.
from dagster._core.execution.retries import RetryMode, get_retries_config  # noqa: F401
from dagster._core.executor.in_process import InProcessExecutor  # noqa: F401

# --- The run launcher (lib/run_launcher.py): Dagster's default launcher plus the process
# liveness check run monitoring needs; the health-check types are not exported.
from dagster._core.launcher import CheckRunHealthResult, WorkerStatus  # noqa: F401
from dagster._core.storage.dagster_run import DagsterRun  # noqa: F401

# --- The warm run process (lib/run_forker.py, lib/run_launcher.py): a run forked from a process
# that has imported the code executes as ``dagster api execute_run`` does. That command's body
# and its argument type are internal (Dagster's container launchers, dagster-docker and
# dagster-k8s, run the command itself in a new process, which is what forking saves).
from dagster._grpc.types import ExecuteRunArgs  # noqa: F401

# What ``execute_run_body`` imports, for the warm process to import ahead of its forks.
RUN_WORKER_MODULES = ("dagster._cli.api", "dagster._cli.utils", "dagster._utils.interrupts")


def execute_run_body(serialized_args: str) -> int:
    """``dagster api execute_run SERIALIZED_ARGS`` in this process: its exit code."""
    import dagster as dg
    from dagster._cli.api import _execute_run_command_body
    from dagster._cli.utils import get_instance_for_cli
    from dagster._utils.interrupts import capture_interrupts, setup_interrupt_handlers

    setup_interrupt_handlers()
    with capture_interrupts():
        args = dg.deserialize_value(serialized_args, ExecuteRunArgs)
        with get_instance_for_cli(instance_ref=args.instance_ref) as instance:
            return _execute_run_command_body(args.run_id, instance, lambda _event: None,
                                             set_exit_code_on_failure=False)


# --- The kept-open SQLite storage (lib/instance_storage.py): subclasses of Dagster's
# SQLite storages, which are configurable classes but not exported.
from dagster._core.storage.event_log.sqlite.sqlite_event_log import (  # noqa: F401
    SQLITE_BUSY_TIMEOUT_SECONDS,
    SqliteEventLogStorage,
)
from dagster._core.storage.runs.sqlite.sqlite_run_storage import SqliteRunStorage  # noqa: F401
from dagster._core.storage.schedules.sqlite.sqlite_schedule_storage import SqliteScheduleStorage  # noqa: F401
from dagster._core.storage.sqlite_storage import (  # noqa: F401
    DagsterSqliteStorage,
    _event_logs_directory,
    _runs_directory,
    _schedule_directory,
)
from dagster._serdes import ConfigurableClassData  # noqa: F401


def set_backfill_interval(seconds: float) -> None:
    """The backfill daemon's loop interval in this process (Dagster: 30 s)."""
    _controller.DEFAULT_DAEMON_INTERVAL_SECONDS = seconds


def backfill_interval() -> float:
    return _controller.DEFAULT_DAEMON_INTERVAL_SECONDS


def set_workspace_reload_interval(seconds: float) -> None:
    """How often the daemon in this process starts new code servers in place of its own and
    loads the code location again (Dagster: every 60 s)."""
    _controller.RELOAD_WORKSPACE_INTERVAL = seconds


def workspace_reload_interval() -> float:
    return _controller.RELOAD_WORKSPACE_INTERVAL


def backfills_in_flight(instance) -> list:
    """Backfills the daemon has not finished: requested, or being cancelled."""
    return [b for status in (BulkActionStatus.REQUESTED, BulkActionStatus.CANCELING)
            for b in instance.get_backfills(status=status)]

# --- Range runs' checks (defs/table_checks.py) -------------------------------------------------
# A check step of a range run records each year's result as an ``AssetCheckEvaluation`` on that
# year's partition (``AssetCheckResult`` has no partition) and gates what follows by failing the
# step. Dagster's execution plan, in the process that orchestrates the run, then warns once per
# blocking check and downstream step that the check "emitted no result" and will not gate:
# untrue here, and dozens of lines per build. Its logger is the module's; no setting silences it.
import logging as _logging

PLAN_LOGGER = "dagster._core.execution.plan.active"
NO_RESULT_WARNING = "emitted no result"


class _RangeCheckWarning(_logging.Filter):
    def filter(self, record: _logging.LogRecord) -> bool:
        return NO_RESULT_WARNING not in record.getMessage()


_RANGE_CHECK_FILTER = _RangeCheckWarning()


def quiet_range_check_warning() -> None:
    """Drop that warning in this process (idempotent): called when a run's executor starts."""
    logger = _logging.getLogger(PLAN_LOGGER)
    if _RANGE_CHECK_FILTER not in logger.filters:
        logger.addFilter(_RANGE_CHECK_FILTER)


# --- Interrupted runs (orchestration/clients.py): a signal during ``dg.execute_job`` is caught
# by Dagster's own handler, which fails the run without raising; the run failure's reason is
# the only trace of it, and its enum is not exported.
from dagster._core.events import RunFailureReason  # noqa: E402, F401
