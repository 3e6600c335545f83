"""`chu run --sources`: an unconfigured source is skipped with a message, the others run for their years."""

import dagster as dg
import polars as pl
import pytest
from click.testing import CliRunner

from chu_platform.cli import cli
from chu_platform.cli import run as run_module
from chu_platform.orchestration.build_target import plan_run, plan_runs
from chu_platform.lib import delta_store
from chu_platform_tests.marts import fake_platform as fake


def _table(data_dir, *key):
    uri = delta_store.table_uri(str(data_dir / "lake"), list(key))
    return delta_store.read(uri) if delta_store.exists(uri) else None


@pytest.fixture
def fake_platform(chu_env, monkeypatch):
    def install(available, failing=False):
        monkeypatch.setenv("CHU_FAKE_FAILING", "1" if failing else "0")
        defs = fake.definitions()
        monkeypatch.setattr(run_module, "load_definitions", lambda: defs)
        monkeypatch.setattr(run_module, "JOB_SOURCE", (fake.__name__, "job"))
        monkeypatch.setattr(run_module, "discover_sources", lambda d: available)
        return defs
    return install


def test_unconfigured_source_is_skipped_and_the_others_run(chu_env, fake_platform):
    fake_platform({"deaths": {2019, 2020}, "establishments": None, "care": {2021}})
    result = CliRunner().invoke(cli, ["run", "--sources", "deaths,hospitalisations,establishments"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert "skip  hospitalisations: not configured" in result.output
    assert "checks failed" not in result.output
    assert "found deaths: 2 year(s), 2019-2020" in result.output
    assert _table(chu_env, "bronze", "hospitalisations") is None
    assert sorted(_table(chu_env, "gold", "fact_deces")["n"].to_list()) == [4038, 4040]
    assert _table(chu_env, "bronze", "establishments").height == 1
    assert _table(chu_env, "gold", "dim_geography").height == 1, "reference assets always run"
    assert (chu_env / "warehouse.duckdb").exists()


def test_years_option_restricts_partitions(chu_env, fake_platform):
    fake_platform({"deaths": {2018, 2019, 2020}})
    result = CliRunner().invoke(cli, ["run", "--sources", "deaths", "--years", "2019"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert _table(chu_env, "gold", "fact_deces")["year"].to_list() == [2019]


def test_a_failure_skips_what_depends_on_it_and_runs_the_rest(chu_env, fake_platform):
    fake_platform({"deaths": {2020}, "establishments": None}, failing=True)
    result = CliRunner().invoke(cli, ["run", "--sources", "deaths,establishments"])
    assert result.exit_code == 1
    assert "FAILED" in result.output
    assert "not materialised: bronze/deaths, gold/fact_deces" in result.output
    assert "checks failed: gold/dim_geography:regions_known" in result.output
    # The warehouse exposes the tables that exist: a failed source does not keep it from the others.
    left_out = [line for line in result.output.splitlines() if "left out" in line]
    assert left_out and all("marts/warehouse" not in line for line in left_out)
    assert (chu_env / "warehouse.duckdb").exists()
    # The analysts' warehouse reads the failed fact; the published one does not.
    assert "left out (an upstream asset failed): marts/analysts_warehouse" in result.output
    assert _table(chu_env, "gold", "fact_deces") is None
    assert _table(chu_env, "bronze", "establishments").height == 1


def test_plan_years_per_asset(chu_env, monkeypatch):
    defs = fake.definitions()
    plan = plan_run(defs, ["deaths", "hospitalisations"], {"deaths": {2019}, "hospitalisations": {2020, 2021}})
    years = {k.to_user_string(): v for k, v in plan.years_by_key.items()}
    assert years == {"bronze/deaths": [2019], "gold/fact_deces": [2019]}
    assert {k.to_user_string() for k in plan.keys} >= {"gold/dim_geography", "marts/warehouse"}
    assert "bronze/establishments" not in {k.to_user_string() for k in plan.keys}
    with pytest.raises(ValueError, match="unknown source"):
        plan_run(defs, ["ftp"], {})


def test_unknown_source_is_a_usage_error(chu_env, fake_platform):
    fake_platform({})
    result = CliRunner().invoke(cli, ["run", "--sources", "care,ftp"])
    assert result.exit_code == 2 and "unknown source 'ftp'" in result.output


def test_assets_of_different_years_in_one_job_get_runs_of_their_own(chu_env):
    """No year without a file is requested: an asset whose sources start a year later than its
    job's others (e-Satis in 2016, the care database in 2015) has its own run, not the range."""
    defs = fake.definitions()
    deaths, fact = dg.AssetKey(["bronze", "deaths"]), dg.AssetKey(["gold", "fact_deces"])
    runs = plan_runs(defs, [deaths, fact, dg.AssetKey(["gold", "dim_geography"])],
                     {deaths: [2015, 2016, 2017], fact: [2016, 2017]})
    assert [(r.job, r.years, sorted(k.to_user_string() for k in r.keys)) for r in runs] == [
        ("load_sources", None, ["gold/dim_geography"]),
        ("build_deaths", (2015, 2016, 2017), ["bronze/deaths"]),
        ("build_deaths", (2016, 2017), ["gold/fact_deces"]),
    ]


def test_a_build_is_one_run_per_job_and_range_of_consecutive_years(chu_env):
    defs = fake.definitions()
    plan = plan_run(defs, ["deaths", "establishments"], {"deaths": {2015, 2016, 2017, 2020}, "establishments": None})
    runs = [(r.job, r.years, sorted(k.to_user_string() for k in r.keys)) for r in plan_runs(defs, plan.keys, plan.years_by_key)]
    assert runs == [
        ("load_sources", None, ["bronze/establishments", "gold/dim_geography"]),
        ("build_deaths", (2015, 2016, 2017), ["bronze/deaths", "gold/fact_deces"]),
        ("build_deaths", (2020,), ["bronze/deaths", "gold/fact_deces"]),
        ("publish", None, ["marts/analysts_warehouse", "marts/warehouse"]),
    ]


def test_a_build_is_refused_while_a_backfill_is_in_flight(chu_env, fake_platform):
    """One build at a time, however it started: a backfill waiting for the daemon (from the UI,
    or ``chu backfill``) keeps ``chu run`` from writing the same tables, and it says which."""
    from chu_platform.orchestration import backfill as backfills
    from chu_platform.deploy.instance import prepare_home

    defs = fake_platform({"deaths": {2020}})
    prepare_home(chu_env)
    with dg.DagsterInstance.get() as instance:
        wanted = {dg.AssetKey(["bronze", "deaths"])}
        from dagster._core.definitions.events import AssetKeyPartitionKey

        backfill_id = backfills.submit(defs, instance, {AssetKeyPartitionKey(k, "2020") for k in wanted},
                                       title="from the UI")
    refused = CliRunner().invoke(cli, ["run", "--sources", "deaths"])
    assert refused.exit_code == 1
    assert f"another build is under way: backfill {backfill_id} (from the UI) is in progress" in refused.output
    assert _table(chu_env, "bronze", "deaths") is None
    with dg.DagsterInstance.get() as instance:
        backfills.cancel(instance, backfill_id)
        from chu_platform.lib.dagster_private import BulkActionStatus

        instance.update_backfill(instance.get_backfill(backfill_id).with_status(BulkActionStatus.CANCELED))
    done = CliRunner().invoke(cli, ["run", "--sources", "deaths"])
    assert done.exit_code == 0, done.output
