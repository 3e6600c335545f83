"""Every private Dagster name the platform uses, in one module, each with the reason no public
API does the job; ``chu_platform_tests/test_dagster_private.py`` pins each behaviour used, so
that a Dagster upgrade that changes one fails there, not in production.
"""

from __future__ import annotations

# The daemon's command line: ``chu_platform.lib.daemon`` runs it after setting the backfill
# interval below (the ``dagster-daemon`` script only calls this function).
from dagster._daemon.cli import main as daemon_cli  # noqa: F401
from dagster._daemon import controller as _controller
# Backfill statuses: Dagster exports no public enum for them (the UI's "Overview -> Backfills").
from dagster._core.execution.backfill import BulkActionStatus  # noqa: F401


def set_backfill_interval(seconds: float) -> None:
    """The backfill daemon's loop interval (Dagster: a constant of 30 s, read at each loop by
    ``execute_backfill_iteration_loop``; no instance setting exists in Dagster 1.13)."""
    _controller.DEFAULT_DAEMON_INTERVAL_SECONDS = seconds


def backfill_interval() -> float:
    return _controller.DEFAULT_DAEMON_INTERVAL_SECONDS


def backfills_in_flight(instance) -> list:
    """Backfills the daemon has not finished: requested, or being cancelled."""
    return [b for status in (BulkActionStatus.REQUESTED, BulkActionStatus.CANCELING)
            for b in instance.get_backfills(status=status)]
