"""The kept-open event log (the embedded default) stores what Dagster's does, and is
pinned to the Dagster code it overrides."""

from __future__ import annotations

import hashlib
import inspect
import sqlite3

import dagster as dg

from chu_platform.deploy.instance import prepare_home
from chu_platform.lib import instance_storage


@dg.asset(partitions_def=dg.StaticPartitionsDefinition([str(i) for i in range(12)]),
          check_specs=[dg.AssetCheckSpec("positive", asset="numbers")])
def numbers(context):
    yield dg.MaterializeResult(metadata={"value": int(context.partition_key)})
    yield dg.AssetCheckResult(check_name="positive", passed=True)


def test_runs_on_more_shards_than_kept_open_all_readable(tmp_path, monkeypatch):
    env: dict[str, str] = {}
    home = prepare_home(tmp_path / "data", env)
    monkeypatch.setenv("DAGSTER_HOME", str(home))
    monkeypatch.setattr(instance_storage, "MAX_OPEN_SHARDS", 3)
    instance = dg.DagsterInstance.get()
    events = instance.event_log_storage
    assert isinstance(events, instance_storage.KeptOpenSqliteEventLogStorage)
    run_ids = []
    for partition in range(12):
        result = dg.materialize([numbers], partition_key=str(partition), instance=instance)
        assert result.success
        run_ids.append(result.run_id)
    assert len(events._engines) <= 3  # older shards' engines were disposed
    # Another process (a fresh instance on the same home) reads every run and materialisation.
    other = dg.DagsterInstance.from_config(str(home))
    for run_id in run_ids:
        assert other.get_run_by_id(run_id).is_success
        kinds = {e.dagster_event_type for e in other.all_logs(run_id) if e.is_dagster_event}
        assert dg.DagsterEventType.ASSET_MATERIALIZATION in kinds
        assert dg.DagsterEventType.ASSET_CHECK_EVALUATION in kinds
    records = other.fetch_materializations(dg.AssetKey("numbers"), limit=100).records
    assert sorted(int(r.partition_key) for r in records) == list(range(12))
    check = other.event_log_storage.get_latest_asset_check_execution_by_key(
        [dg.AssetCheckKey(dg.AssetKey("numbers"), "positive")])
    assert check
    # Dagster's own write-ahead log mode, and the durable-across-crashes sync level.
    with sqlite3.connect(home / "history" / "runs" / f"{run_ids[-1]}.db") as raw:
        assert raw.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    with events.run_connection(run_ids[-1]) as conn:
        assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 1  # NORMAL


def test_wipe_closes_kept_connections(tmp_path, monkeypatch):
    home = prepare_home(tmp_path / "data", {})
    monkeypatch.setenv("DAGSTER_HOME", str(home))
    instance = dg.DagsterInstance.get()
    first = dg.materialize([numbers], partition_key="1", instance=instance)
    instance.event_log_storage.wipe()
    assert set(instance.event_log_storage._engines) <= {"index"}  # the run shards were closed
    assert not (home / "history" / "runs" / f"{first.run_id}.db").exists()
    second = dg.materialize([numbers], partition_key="2", instance=instance)
    assert second.success
    assert any(e.is_dagster_event for e in instance.all_logs(second.run_id))


def test_a_table_of_the_index_is_looked_up_once_and_a_missing_one_again(tmp_path, monkeypatch):
    home = prepare_home(tmp_path / "data", {})
    monkeypatch.setenv("DAGSTER_HOME", str(home))
    instance = dg.DagsterInstance.get()
    events = instance.event_log_storage
    asked: list[str] = []
    dagsters = instance_storage.SqliteEventLogStorage.has_table
    monkeypatch.setattr(instance_storage.SqliteEventLogStorage, "has_table",
                        lambda self, name: asked.append(name) or dagsters(self, name))
    assert events.supports_asset_checks and events.supports_asset_checks
    assert not events.has_table("chu_not_yet") and not events.has_table("chu_not_yet")
    assert asked == ["asset_check_executions", "chu_not_yet", "chu_not_yet"]
    # A materialisation and a check result stored with the answers remembered read back.
    result = dg.materialize([numbers], partition_key="3", instance=instance)
    assert result.success and result.get_asset_check_evaluations()[0].passed
    events.wipe()
    assert events.supports_asset_checks
    assert asked[-1] == "asset_check_executions"  # asked again after a wipe


def _source_hash(obj) -> str:
    return hashlib.sha256(inspect.getsource(obj).encode()).hexdigest()[:16]


def test_overridden_dagster_code_unchanged():
    """ChuSqliteStorage re-implements Dagster private code (the event log's ``_connect``, the
    storage's ``__init__`` it skips) and relies on other private pieces. A Dagster upgrade that
    changes any of them fails here: re-read it, port the change, then update the hashes."""
    from dagster._core.storage import sqlite_storage
    from dagster._core.storage.event_log.sqlite import sqlite_event_log

    pinned = {
        "SqliteEventLogStorage.__init__": (sqlite_event_log.SqliteEventLogStorage.__init__, "264c15baa761a7bb"),
        "SqliteEventLogStorage._connect": (sqlite_event_log.SqliteEventLogStorage._connect, "b8435f2665689760"),
        "SqliteEventLogStorage._initdb": (sqlite_event_log.SqliteEventLogStorage._initdb, "7a302d98eb61a34d"),
        "SqliteEventLogStorage.wipe": (sqlite_event_log.SqliteEventLogStorage.wipe, "de02c63676e7d477"),
        "SqliteEventLogStorage.has_table": (sqlite_event_log.SqliteEventLogStorage.has_table, "577d801c70b2a4a5"),
        "DagsterSqliteStorage.__init__": (sqlite_storage.DagsterSqliteStorage.__init__, "bcf5aa27a5dd083f"),
        "DagsterSqliteStorage.from_local": (sqlite_storage.DagsterSqliteStorage.from_local, "ef1249f539d72156"),
    }
    changed = [name for name, (obj, digest) in pinned.items() if _source_hash(obj) != digest]
    assert not changed, f"Dagster changed what ChuSqliteStorage overrides or relies on: {changed}"
