"""A full disk, under the lake or under the run history, ends the command with one line naming
the cause and the path, and leaves no run open (STARTED or NOT_STARTED) in the instance.

The disk is filled by fault injection at the write layer (an ``OSError`` ENOSPC from the Delta
writer; SQLite's "database or disk is full" from the instance's event storage until the
command gives back its reserve file), so the tests need no root and no real full disk;
docs/faults.md gives the same faults reproduced on a small tmpfs."""

import errno
import os
import sqlite3

import dagster as dg
import sqlalchemy.exc

from chu_platform.lib import delta_store, environment
from chu_platform_tests.faults.conftest import chu, deliver

OPEN = [dg.DagsterRunStatus.NOT_STARTED, dg.DagsterRunStatus.STARTING, dg.DagsterRunStatus.STARTED]


def _open_runs() -> list:
    return dg.DagsterInstance.get().get_runs(dg.RunsFilter(statuses=OPEN))


def test_a_full_disk_under_the_lake_ends_with_the_cause_and_the_table(chu_env, generated_drop, monkeypatch):
    deliver(generated_drop, chu_env, "deces")
    original = delta_store.write_deltalake

    def full_under_silver_deaths(uri, *args, **kwargs):
        if str(uri).endswith("/silver/deaths"):
            raise OSError(errno.ENOSPC, "No space left on device")
        return original(uri, *args, **kwargs)

    monkeypatch.setattr(delta_store, "write_deltalake", full_under_silver_deaths)
    result = chu("run")
    assert result.exit_code == 1
    last = result.output.strip().splitlines()[-1]
    # Before: "Action needed: fix the failing step (its error is in `chu ui`, Runs)", the cause in the log only.
    assert last.startswith("Error: the run needs attention")
    assert f"the cause: no space left on device at {chu_env / 'lake' / 'silver' / 'deaths'}: free space" in last
    assert _open_runs() == []


def test_a_full_disk_under_the_run_history_ends_in_one_line_and_closes_its_runs(chu_env, generated_drop, monkeypatch):
    deliver(generated_drop, chu_env, "deces")
    reserve = chu_env / environment.RESERVE_NAME
    original = dg.DagsterInstance.handle_new_event
    full = {"from": False}

    def history_on_a_full_disk(self, event, *args, **kwargs):
        step = event.dagster_event.step_key if event.dagster_event else None
        if step == "bronze__deaths" and event.dagster_event.event_type_value == "STEP_SUCCESS":
            full["from"] = True
        if full["from"] and reserve.exists():
            raise sqlalchemy.exc.OperationalError("COMMIT", {}, sqlite3.OperationalError("database or disk is full"))
        return original(self, event, *args, **kwargs)

    monkeypatch.setattr(dg.DagsterInstance, "handle_new_event", history_on_a_full_disk)
    result = chu("run")  # before: a SQLite traceback, the run left STARTED
    assert result.exit_code == 1
    (last,) = [line for line in result.output.splitlines() if line.startswith("Error:")]
    assert last == (f"Error: no space left on device at {os.environ['DAGSTER_HOME']}: free space on the file "
                    "system that holds it, then run again (1 open run(s) marked failed)")
    assert "Traceback" not in result.output
    assert _open_runs() == []
    assert not reserve.exists()  # given back, so that the runs could be closed


def test_environment_failures_are_recognised_in_any_link_of_an_error():
    nested = RuntimeError("step failed")
    nested.__cause__ = OSError(errno.EROFS, "Read-only file system", "/data/lake/gold/dim_date")
    assert environment.from_exception(nested).line.startswith("read-only file system at /data/lake/gold/dim_date: ")
    assert environment.from_text("Unable to copy data to file: No space left on device (os error 28)").code == errno.ENOSPC
    assert environment.from_exception(ValueError("a bad date in line 3")) is None
