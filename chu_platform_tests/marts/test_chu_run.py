"""`chu run --sources`: an unconfigured source is skipped with a message, the others run for their years."""

import dagster as dg
import polars as pl
import pytest
from click.testing import CliRunner

from chu_platform.cli import cli
from chu_platform.cli import run as run_module
from chu_platform.defs.resources import ChuSettings
from chu_platform.defs.warehouse import build_analysts_warehouse_asset, build_warehouse_asset
from chu_platform.lib import delta_store
from chu_platform.lib.io_manager import DeltaIOManager
from chu_platform.partitions import yearly_partitions
from chu_platform.runner import materializable_keys, plan_run, plan_stages


def _fake_defs(data_dir, failing: bool = False) -> dg.Definitions:
    @dg.asset(key=["bronze", "deaths"], group_name="bronze", partitions_def=yearly_partitions,
              tags={"chu/source": "deaths"})
    def bronze_deaths(context: dg.AssetExecutionContext) -> pl.DataFrame:
        if failing:
            raise RuntimeError("unreadable file")
        return pl.DataFrame({"n": [int(context.partition_key)]})

    @dg.asset(key=["bronze", "hospitalisations"], group_name="bronze", partitions_def=yearly_partitions,
              tags={"chu/source": "hospitalisations"})
    def bronze_hospitalisations() -> pl.DataFrame:
        return pl.DataFrame({"n": [1]})

    @dg.asset(key=["bronze", "establishments"], group_name="bronze", tags={"chu/source": "establishments"})
    def bronze_establishments() -> pl.DataFrame:
        return pl.DataFrame({"finess": ["750000001"]})

    @dg.asset(key=["gold", "dim_geography"], group_name="gold")
    def dim_geography() -> pl.DataFrame:
        return pl.DataFrame({"region_code": ["11"]})

    @dg.asset(key=["gold", "fact_deces"], group_name="gold", partitions_def=yearly_partitions,
              ins={"deaths": dg.AssetIn(key=["bronze", "deaths"])})
    def fact_deces(deaths: pl.DataFrame) -> pl.DataFrame:
        return deaths.with_columns(pl.col("n") * 2)

    @dg.asset_check(asset=dg.AssetKey(["gold", "dim_geography"]))
    def regions_known() -> dg.AssetCheckResult:
        return dg.AssetCheckResult(passed=not failing)

    gold_keys = [dg.AssetKey(["gold", "dim_geography"]), dg.AssetKey(["gold", "fact_deces"])]
    return dg.Definitions(
        assets=[bronze_deaths, bronze_hospitalisations, bronze_establishments, dim_geography, fact_deces,
                build_warehouse_asset(gold_keys), build_analysts_warehouse_asset(gold_keys)],
        asset_checks=[regions_known],
        resources={"io_manager": DeltaIOManager(data_dir=str(data_dir)),
                   "settings": ChuSettings(data_dir=str(data_dir), landing_dir=str(data_dir / "landing"))},
    )


def _table(data_dir, *key):
    uri = delta_store.table_uri(str(data_dir / "lake"), list(key))
    return delta_store.read(uri) if delta_store.exists(uri) else None


@pytest.fixture
def fake_platform(chu_env, monkeypatch):
    def install(available, failing=False):
        defs = _fake_defs(chu_env, failing)
        monkeypatch.setattr(run_module, "load_definitions", lambda: defs)
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
    assert "marts/warehouse" not in next(line for line in result.output.splitlines() if "skipped" in line)
    assert (chu_env / "warehouse.duckdb").exists()
    # The analysts' warehouse reads the failed fact; the published one does not.
    assert "skipped (an upstream asset failed): marts/analysts_warehouse" in result.output
    assert _table(chu_env, "gold", "fact_deces") is None
    assert _table(chu_env, "bronze", "establishments").height == 1


def test_plan_years_per_asset(chu_env):
    defs = _fake_defs(chu_env)
    plan = plan_run(defs, ["deaths", "hospitalisations"], {"deaths": {2019}, "hospitalisations": {2020, 2021}})
    years = {k.to_user_string(): v for k, v in plan.years_by_key.items()}
    assert years == {"bronze/deaths": [2019], "gold/fact_deces": [2019], "bronze/hospitalisations": [2020, 2021]}
    assert {k.to_user_string() for k in plan.keys} >= {"gold/dim_geography", "marts/warehouse"}
    assert "bronze/establishments" not in {k.to_user_string() for k in plan.keys}
    with pytest.raises(ValueError, match="unknown source"):
        plan_run(defs, ["ftp"], {})


def test_unknown_source_is_a_usage_error(chu_env, fake_platform):
    fake_platform({})
    result = CliRunner().invoke(cli, ["run", "--sources", "care,ftp"])
    assert result.exit_code == 2 and "unknown source 'ftp'" in result.output


def test_an_asset_reading_every_year_of_an_upstream_waits_for_all_of_them():
    @dg.asset(key=["bronze", "deaths"], group_name="bronze", partitions_def=yearly_partitions)
    def register() -> pl.DataFrame:
        return pl.DataFrame()

    @dg.asset(key=["silver", "deaths"], group_name="silver", partitions_def=yearly_partitions,
              ins={"register": dg.AssetIn(["bronze", "deaths"], partition_mapping=dg.AllPartitionMapping())})
    def deaths(register: pl.DataFrame) -> pl.DataFrame:
        return register

    @dg.asset(key=["gold", "fact_deces"], group_name="gold", partitions_def=yearly_partitions,
              ins={"deaths": dg.AssetIn(["silver", "deaths"])})
    def fact(deaths: pl.DataFrame) -> pl.DataFrame:
        return deaths

    defs = dg.Definitions(assets=[register, deaths, fact])
    stages = plan_stages(defs, materializable_keys(defs))
    assert [[k.to_user_string() for k in s.keys] for s in stages] == [["bronze/deaths"], ["silver/deaths", "gold/fact_deces"]]

