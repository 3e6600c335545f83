"""Each private Dagster behaviour the platform relies on (chu_platform/lib/dagster_private.py),
pinned: an upgrade of Dagster that changes one fails here."""

import inspect
import subprocess
import sys
import time

import dagster as dg
import pytest

from chu_platform.lib import dagster_private as private


def _reader(name: str):
    from dagster._daemon import backfill

    return {"backfill": backfill.execute_backfill_iteration_loop,
            "reload": private._controller.DagsterDaemonController.check_workspace_freshness}[name]


@pytest.mark.parametrize("reader, constant, default, get, set_", [
    # The backfill loop's interval, read at each turn of the loop.
    ("backfill", "DEFAULT_DAEMON_INTERVAL_SECONDS", 30, private.backfill_interval, private.set_backfill_interval),
    # How often the daemon drops its code servers and starts new ones.
    ("reload", "RELOAD_WORKSPACE_INTERVAL", 60, private.workspace_reload_interval,
     private.set_workspace_reload_interval),
])
def test_each_daemon_interval_is_the_constant_dagster_reads(reader, constant, default, get, set_):
    assert constant in inspect.getsource(_reader(reader))
    before = get()
    assert before == default
    try:
        set_(2.0)
        assert getattr(private._controller, constant) == 2.0
    finally:
        set_(before)


def test_a_daemon_started_for_a_backfill_keeps_its_code_server_and_make_ups_reloads_it(monkeypatch, tmp_path):
    from chu_platform.lib import daemon

    calls = []
    monkeypatch.setattr(private, "daemon_cli", lambda: calls.append(private.workspace_reload_interval()))
    monkeypatch.setattr(daemon, "watch_clients", lambda folder: None)
    monkeypatch.setattr(sys, "argv", ["daemon", "run"])
    before, tick = private.workspace_reload_interval(), private.backfill_interval()
    try:
        monkeypatch.delenv(daemon.CLIENTS, raising=False)
        daemon.main()
        monkeypatch.setenv(daemon.CLIENTS, str(tmp_path))
        daemon.main()
    finally:
        private.set_workspace_reload_interval(before)
        private.set_backfill_interval(tick)
    assert calls == [60, daemon.LEASED_RELOAD_SECONDS]


def test_the_daemon_entry_point_is_dagster_daemons_command_line():
    done = subprocess.run([sys.executable, "-m", "chu_platform.lib.daemon", "--help"], capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0 and "run" in done.stdout, done.stderr


def test_asset_backfill_objects(tmp_path):
    @dg.asset(partitions_def=dg.StaticPartitionsDefinition(["2019", "2020"]))
    def things() -> None: ...

    defs = dg.Definitions(assets=[things])
    graph = defs.resolve_asset_graph()
    with dg.DagsterInstance.ephemeral() as instance:
        wanted = {private.AssetKeyPartitionKey(dg.AssetKey("things"), "2019")}
        backfill_id = private.make_new_backfill_id()
        assert isinstance(backfill_id, str) and backfill_id
        backfill = private.PartitionBackfill.from_asset_graph_subset(
            backfill_id=backfill_id, backfill_timestamp=time.time(), tags={}, dynamic_partitions_store=instance,
            asset_graph_subset=private.AssetGraphSubset.from_asset_partition_set(wanted, graph), title="t",
            description=None, run_config=None)
        instance.add_backfill(backfill)
        assert [b.backfill_id for b in private.backfills_in_flight(instance)] == [backfill_id]
        assert instance.get_backfill(backfill_id).status == private.BulkActionStatus.REQUESTED
        assert private.BulkActionsFilter(statuses=[private.BulkActionStatus.REQUESTED]) is not None
        instance.update_backfill(backfill.with_status(private.BulkActionStatus.CANCELED))
        assert private.backfills_in_flight(instance) == []
    assert private.BACKFILL_ID_TAG == "dagster/backfill"


def test_a_backfill_tick_makes_one_run_per_backfill_policy_of_the_unpartitioned_assets_ready():
    """The export (and the published warehouse) run beside the dashboard, not after it, because Dagster's asset backfill makes
    one run per partitioning, years and backfill policy among the asset partitions a tick finds
    ready (``build_run_requests_with_backfill_policies``, what the backfill daemon calls), and
    the export has a policy the dashboard has not (defs/marts/export_assets.py)."""
    import warnings

    from dagster._core.definitions.automation_tick_evaluation_context import (
        build_run_requests_with_backfill_policies,
    )

    from chu_platform.defs.marts.dashboard_assets import dashboard
    from chu_platform.defs.marts.export_assets import export_files

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", dg.BetaWarning)

        @dg.asset(backfill_policy=dg.BackfillPolicy.single_run())
        def page() -> None: ...

    @dg.asset
    def workbook() -> None: ...

    @dg.asset
    def warehouse() -> None: ...

    graph = dg.Definitions(assets=[page, workbook, warehouse]).resolve_asset_graph()
    ready = [private.AssetKeyPartitionKey(dg.AssetKey(name), None) for name in ("page", "workbook", "warehouse")]
    with dg.DagsterInstance.ephemeral() as instance:
        requests = build_run_requests_with_backfill_policies(ready, graph, instance)
    runs = sorted(sorted(key.to_user_string() for key in request.asset_selection) for request in requests)
    assert runs == [["page"], ["warehouse", "workbook"]]
    assert export_files.backfill_policy == dg.BackfillPolicy.single_run()
    assert dashboard.backfill_policy is None
    # The published warehouse shares the export's policy, so its run (defs/warehouse.py).
    from chu_platform.definitions import defs

    assert defs.resolve_assets_def(dg.AssetKey(["marts", "warehouse"])).backfill_policy == export_files.backfill_policy


def test_check_history_per_partition():
    assert {"PLANNED", "SUCCEEDED", "FAILED"} <= {s.name for s in private.AssetCheckExecutionRecordStatus}
    assert private.PartitionKeyFilter(key="2019").key == "2019"


def test_executor_and_launcher_types():
    config = {"enabled": {}}
    mode = private.RetryMode.from_config(config)
    assert isinstance(private.InProcessExecutor(retries=mode), dg.Executor)
    assert private.get_retries_config() is not None
    result = private.CheckRunHealthResult(private.WorkerStatus.RUNNING)
    assert result.status == private.WorkerStatus.RUNNING
    assert {"RUNNING", "FAILED", "NOT_FOUND", "SUCCESS"} <= {s.name for s in private.WorkerStatus}


def test_daemon_statuses_of_an_instance_without_daemon():
    with dg.DagsterInstance.ephemeral() as instance:
        statuses = private.get_daemon_statuses(instance, ["BACKFILL"], ignore_errors=True, heartbeat_tolerance_seconds=60)
        assert not statuses["BACKFILL"].healthy


@pytest.mark.parametrize("cls", ["SqliteEventLogStorage", "SqliteRunStorage", "SqliteScheduleStorage", "DagsterSqliteStorage"])
def test_sqlite_storages_are_configurable_classes(cls):
    storage = getattr(private, cls)
    assert hasattr(storage, "from_config_value") and hasattr(storage, "config_type")
    assert isinstance(private.SQLITE_BUSY_TIMEOUT_SECONDS, (int, float))
    assert callable(private._event_logs_directory) and callable(private._runs_directory)


def test_the_range_check_warning_is_the_plan_loggers_and_is_filtered(caplog):
    """The warning Dagster's plan logs when a blocking check's step yields no result (a range
    run's check step logs per-year evaluations instead) comes from the logger we filter."""
    import logging

    from dagster._core.execution.plan import active

    source = inspect.getsource(active)
    assert private.NO_RESULT_WARNING in source and "logger.warning(" in source
    assert active.logger.name == private.PLAN_LOGGER
    private.quiet_range_check_warning()
    private.quiet_range_check_warning()
    assert sum(isinstance(f, type(private._RANGE_CHECK_FILTER)) for f in active.logger.filters) == 1
    with caplog.at_level(logging.WARNING, logger=private.PLAN_LOGGER):
        active.logger.warning("Blocking asset check 'a:c' emitted no result in step 'a_checks'; ...")
        active.logger.warning("another warning")
    assert [r.getMessage() for r in caplog.records] == ["another warning"]


def test_an_interrupted_run_fails_with_the_unexpected_termination_reason():
    """``orchestration/clients.interrupted`` reads a signal during ``dg.execute_job`` from this reason."""
    import signal

    from chu_platform.orchestration.clients import interrupted

    @dg.asset
    def interrupted_asset():
        signal.raise_signal(signal.SIGINT)  # Dagster's handler, in force during the run, takes it
        time.sleep(5)

    job = dg.define_asset_job("j").resolve(asset_graph=dg.Definitions(assets=[interrupted_asset]).resolve_asset_graph())
    with dg.DagsterInstance.ephemeral() as instance:
        result = job.execute_in_process(instance=instance, raise_on_error=False)
    assert not result.success
    reason = result.get_run_failure_event().event_specific_data.failure_reason
    assert reason == private.RunFailureReason.UNEXPECTED_TERMINATION
    assert interrupted(result)


def test_the_warm_process_imports_what_a_forked_run_body_imports():
    """``RUN_WORKER_MODULES`` (imported by the warm process ahead of its forks) are the Dagster
    modules ``execute_run_body`` imports: a module Dagster moves fails here, not as a slower run."""
    imported = {line.split()[1] for line in inspect.getsource(private.execute_run_body).splitlines()
                if line.strip().startswith("from dagster.")}
    assert imported == set(private.RUN_WORKER_MODULES)
    for name in private.RUN_WORKER_MODULES:
        __import__(name)
