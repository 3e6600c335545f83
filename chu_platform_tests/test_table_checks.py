"""A table's checks run as one step that reads the table once; each check still reports on its own."""

import dagster as dg
import polars as pl

from chu_platform.defs.gold.checks import plausible
from chu_platform.defs.resources import ChuSettings
from chu_platform.defs.silver.checks import completeness
from chu_platform.defs.table_checks import Check, CheckData, failing_rows, table_checks, unique_key
from chu_platform.lib import delta_store

KEY = dg.AssetKey(["silver", "things"])
# id 1 twice (the blocking check fails), x missing once in three (within 50 %), v = 50 outside [0, 10].
THINGS = pl.DataFrame({"id": [1, 1, 2], "x": [None, "a", "b"], "v": [5, 50, 3]})

UNIQUE_IDS = Check("{table}_unique_ids", "Each {layer}/{table} id once.",
                   lambda data: failing_rows(data.table.filter(pl.col("id").is_duplicated())), blocking=True)
CHECKS = table_checks("silver", "things", [
    UNIQUE_IDS,
    completeness("x", 0.5, "x unreadable."),
    plausible("v", 0, 10, "v out of range."),
])


@dg.asset(key=KEY)
def things(settings: ChuSettings) -> None:
    delta_store.write_table(THINGS, settings.table_uri("silver", "things"))


@dg.asset(key=["gold", "downstream"], deps=[things])
def downstream() -> None:
    """Must not run: a blocking check of silver/things failed."""


def _run(tmp_path, **kwargs) -> dg.ExecuteInProcessResult:
    settings = ChuSettings(data_dir=str(tmp_path), landing_dir=str(tmp_path / "landing"))
    return dg.materialize([things, downstream, CHECKS], resources={"settings": settings}, raise_on_error=False,
                          **kwargs)


def test_one_failing_property_hides_none_of_the_others(tmp_path, monkeypatch):
    reads = []
    real_read = delta_store.read
    monkeypatch.setattr(delta_store, "read", lambda uri, *a, **k: reads.append(uri) or real_read(uri, *a, **k))
    result = _run(tmp_path)

    evaluations = {e.check_name: e for e in result.get_asset_check_evaluations()}
    assert {name: e.passed for name, e in evaluations.items()} == {
        "things_unique_ids": False, "things_x_completeness": True, "things_v_plausible": False,
    }
    assert {name: e.severity for name, e in evaluations.items()} == {
        "things_unique_ids": dg.AssetCheckSeverity.ERROR,
        "things_x_completeness": dg.AssetCheckSeverity.WARN,
        "things_v_plausible": dg.AssetCheckSeverity.WARN,
    }
    assert evaluations["things_unique_ids"].metadata["failing_rows"].value == 2
    assert evaluations["things_v_plausible"].metadata["failing_rows"].value == 1
    assert evaluations["things_x_completeness"].metadata["missing_rows"].value == 1
    # One step, one read of the table for the three checks.
    steps = {e.step_key for e in result.all_events if e.event_type == dg.DagsterEventType.ASSET_CHECK_EVALUATION}
    assert steps == {"silver__things_checks"}
    assert len(reads) == 1
    # The blocking check still blocks what is downstream.
    materialized = {e.asset_key for e in result.get_asset_materialization_events()}
    assert materialized == {KEY}
    assert not result.success


def test_a_check_run_alone_evaluates_only_that_check(tmp_path):
    delta_store.write_table(THINGS, delta_store.table_uri(delta_store.lake_root(str(tmp_path)), KEY.path))
    alone = _run(tmp_path, selection=dg.AssetSelection.checks(dg.AssetCheckKey(KEY, "things_v_plausible")))
    assert [(e.check_name, e.passed) for e in alone.get_asset_check_evaluations()] == [("things_v_plausible", False)]


def test_a_table_read_whole_is_read_again_once_it_changes(tmp_path):
    settings = ChuSettings(data_dir=str(tmp_path), landing_dir=str(tmp_path / "landing"))
    uri = settings.table_uri("gold", "dim_things")
    delta_store.write_table(pl.DataFrame({"k": [1, 2]}), uri)
    data = CheckData(settings, KEY, 2019)
    assert data.whole("gold", "dim_things")["k"].to_list() == [1, 2]
    delta_store.write_table(pl.DataFrame({"k": [1, 2, 3]}), uri)
    assert CheckData(settings, KEY, 2020).whole("gold", "dim_things")["k"].to_list() == [1, 2, 3]


def test_unique_key_names_the_repeated_keys_with_a_sample(tmp_path):
    settings = ChuSettings(data_dir=str(tmp_path), landing_dir=str(tmp_path / "landing"))
    uri = settings.table_uri("gold", "agg_things")
    once = pl.DataFrame({"year": [2019, 2019, 2020], "region_code": ["11", None, "11"], "deaths": [40, 12, 35]})
    delta_store.write_table(once, uri)
    check = unique_key("year", "region_code")
    passed, metadata = check.evaluate(CheckData(settings, dg.AssetKey(["gold", "agg_things"]), None))
    assert passed and metadata["failing_rows"].value == 0
    # Two writers appended the same year: every row of 2019 twice (the unknown region too).
    delta_store.write_table(pl.concat([once, once.filter(pl.col("year") == 2019)]), uri)
    passed, metadata = check.evaluate(CheckData(settings, dg.AssetKey(["gold", "agg_things"]), None))
    assert not passed and check.blocking
    assert metadata["failing_rows"].value == 4 and metadata["duplicated_keys"].value == 2
    assert "| 2019 | 11 |" in metadata["sample"].value.replace("  ", " ")


def test_an_unpartitioned_check_in_a_range_run_leaves_no_year_planned_and_counts_once(tmp_path):
    """Dagster plans an unpartitioned check once per year of a year-partitioned run: each such
    year gets the result (no check "skipped" in the UI), marked as a copy that the platform's
    pages do not count (a year's old copy never outlives the check's latest result)."""
    from chu_platform.defs.partitions import yearly_partitions
    from chu_platform.lib import check_status

    @dg.asset(key=["gold", "fact_things"], deps=[things], partitions_def=yearly_partitions,
              backfill_policy=dg.BackfillPolicy.single_run())
    def fact_things() -> None:
        """A partitioned asset after an unpartitioned one: their run is a range run."""

    instance = dg.DagsterInstance.ephemeral()
    settings = ChuSettings(data_dir=str(tmp_path), landing_dir=str(tmp_path / "landing"))
    tags = {"dagster/asset_partition_range_start": "2019", "dagster/asset_partition_range_end": "2021"}
    dg.materialize([things, fact_things, CHECKS], resources={"settings": settings}, instance=instance,
                   tags=tags, raise_on_error=False)
    key = dg.AssetCheckKey(KEY, "things_v_plausible")
    history = instance.event_log_storage.get_asset_check_execution_history(key, limit=20)
    assert {r.partition for r in history} == {None, "2019", "2020", "2021"}
    assert not [r for r in history if r.status.value == "PLANNED"], [(r.partition, r.status) for r in history]
    status = check_status.latest(instance, [key])[key]
    assert status.status == check_status.WARNED and status.partitions == {None: check_status.WARNED}

    # The table mended and checked again alone: its status is the new result, not the old copies'.
    fixed = THINGS.with_columns(pl.col("v").clip(0, 10))
    delta_store.write_table(fixed, settings.table_uri("silver", "things"))
    dg.materialize([CHECKS], resources={"settings": settings}, instance=instance, selection=dg.AssetSelection.checks(key),
                   raise_on_error=False)
    assert check_status.latest(instance, [key])[key].status == check_status.PASSED


def test_a_range_step_computes_what_every_year_shares_once(tmp_path):
    """A range run's checks evaluate each year on its own rows, and what no year changes (the
    whole register's keys for the deaths reconciliation) is computed once for the step."""
    from chu_platform.defs.partitions import yearly_partitions

    calls = []
    shared = Check("{table}_shared", "Each year against what every year shares.",
                   lambda data: (data.once("shared", lambda: calls.append(data.year) or len(calls)) == 1
                                 and data.table.height == 1, {"year": data.year}))

    @dg.asset(key=["silver", "yearly_things"], partitions_def=yearly_partitions,
              backfill_policy=dg.BackfillPolicy.single_run())
    def yearly_things(context: dg.AssetExecutionContext, settings: ChuSettings) -> None:
        years = [int(k) for k in context.partition_keys]
        delta_store.write_years(pl.DataFrame({"year": years, "v": years}).cast({"year": pl.Int32}),
                                settings.table_uri("silver", "yearly_things"), years)

    checks = table_checks("silver", "yearly_things", [shared], yearly_partitions)
    instance = dg.DagsterInstance.ephemeral()
    settings = ChuSettings(data_dir=str(tmp_path), landing_dir=str(tmp_path / "landing"))
    tags = {"dagster/asset_partition_range_start": "2019", "dagster/asset_partition_range_end": "2021"}
    result = dg.materialize([yearly_things, checks], resources={"settings": settings}, instance=instance, tags=tags)
    assert result.success and calls == [2019]
    history = instance.event_log_storage.get_asset_check_execution_history(
        dg.AssetCheckKey(dg.AssetKey(["silver", "yearly_things"]), "yearly_things_shared"), limit=10)
    assert sorted((r.partition, r.status.value) for r in history) == [
        ("2019", "SUCCEEDED"), ("2020", "SUCCEEDED"), ("2021", "SUCCEEDED")]
