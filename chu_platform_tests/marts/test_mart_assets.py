"""The mart assets hold, for each year, exactly what `chu query --year` answers; BI opens the warehouse read-only."""

import dagster as dg
import duckdb
import polars as pl
from polars.testing import assert_frame_equal

from chu_platform.defs.marts import assets as mart_assets
from chu_platform.defs.resources import ChuSettings
from chu_platform.defs.warehouse import build_analysts_warehouse_asset, build_warehouse_asset
from chu_platform.lib import delta_store
from chu_platform.defs.io_manager import DeltaIOManager
from chu_platform.layers.marts.analyses import ANALYSES, connect_gold, published
from chu_platform.layers.marts.periods import Period

MARTS = [getattr(mart_assets, name) for name in ANALYSES]


def _materialise(data_dir, assets):
    resources = {"settings": ChuSettings(data_dir=str(data_dir), landing_dir=str(data_dir / "landing")),
                 "io_manager": DeltaIOManager(data_dir=str(data_dir))}
    result = dg.materialize(assets, resources=resources)
    assert result.success
    return result


def test_each_mart_is_the_published_analysis_of_every_year(gold_in_env, chu_env):
    _materialise(chu_env, MARTS)
    con = connect_gold(gold_in_env.lake)
    for name in ANALYSES:
        mart = delta_store.read(delta_store.table_uri(gold_in_env.lake, ["marts", name]))
        years = sorted(mart["year"].unique().to_list())
        expected_years = [2019, 2020] if name in ("deaths_by_region", "satisfaction_by_region") else [2018, 2019, 2020, 2021]
        assert years == expected_years, name
        for year in years:
            expected = published(con, name, Period.year(year))
            got = mart.filter(pl.col("year") == year).drop("year")
            assert_frame_equal(got, expected, check_dtypes=False)


def test_mart_metadata_and_dependencies(gold_in_env, chu_env):
    result = _materialise(chu_env, [mart_assets.hospitalisations_by_sex_age])
    metadata = result.asset_materializations_for_node("marts__hospitalisations_by_sex_age")[0].metadata
    assert metadata["masked_rows"].value > 0
    assert "<10" in metadata["preview"].value
    deps = {k.to_user_string() for k in mart_assets.deaths_by_region.asset_deps[dg.AssetKey(["marts", "deaths_by_region"])]}
    assert deps == {"gold/agg_deaths_by_region", "gold/dim_geography", "gold/fact_deces"}


def test_warehouse_opens_read_only_and_is_rebuilt_while_open(gold_in_env, chu_env):
    keys = [dg.AssetKey(["gold", t]) for t in gold_in_env.tables] + [dg.AssetKey(["marts", "deaths_by_region"])]
    warehouse, analysts = build_warehouse_asset(keys), build_analysts_warehouse_asset(keys)
    _materialise(chu_env, [mart_assets.deaths_by_region])
    _materialise(chu_env, [warehouse, analysts])
    path = str(chu_env / "warehouse.duckdb")
    reader = duckdb.connect(path, read_only=True)
    first = reader.execute("SELECT year, sum(deaths) FROM deaths_by_region GROUP BY 1 ORDER BY 1").fetchall()
    shown = delta_store.read(delta_store.table_uri(gold_in_env.lake, ["marts", "deaths_by_region"]))
    assert first == [(y, shown.filter(pl.col("year") == y)["deaths"].sum()) for y in (2019, 2020)]
    _materialise(chu_env, [warehouse])
    assert reader.execute("SELECT count(*) FROM dim_etablissement").fetchall() == [(len(gold_in_env.rows("dim_etablissement")),)]
    names = {r[0] for r in reader.execute("SELECT table_name FROM information_schema.tables").fetchall()}
    assert not {n for n in names if n.startswith("fact_")} and "dim_patient" not in names
    reader.close()
    analysts_path = chu_env / "analysts" / "warehouse.duckdb"
    assert oct(analysts_path.stat().st_mode & 0o777) == "0o600"
    with duckdb.connect(str(analysts_path), read_only=True) as again:
        assert again.execute("SELECT count(*) FROM dim_patient").fetchall() == [(len(gold_in_env.rows("dim_patient")),)]
        assert again.execute("SELECT count(*) FROM fact_consultation").fetchall() == [(len(gold_in_env.rows("fact_consultation")),)]


def test_secrecy_check_passes_on_marts_and_fails_on_a_leak(gold_in_env, chu_env):
    from chu_platform.defs.marts.checks import MART_CHECKS

    key = dg.AssetKey(["marts", "deaths_by_region"])
    check = next(c for c in MART_CHECKS if key in {k.asset_key for k in c.check_keys})
    resources = {"settings": ChuSettings(data_dir=str(chu_env), landing_dir=str(chu_env / "landing")),
                 "io_manager": DeltaIOManager(data_dir=str(chu_env))}
    result = dg.materialize([mart_assets.deaths_by_region, check], resources=resources)
    assert {e.check_name: e.passed for e in result.get_asset_check_evaluations()} == {
        "secrecy_applied": True, "deaths_by_region_unique_key": True}

    uri = delta_store.table_uri(gold_in_env.lake, ["marts", "deaths_by_region"])
    leaked = delta_store.read(uri).with_columns(pl.lit(3, dtype=pl.Int64).alias("deaths"))
    delta_store.write_table(leaked, uri)
    check_only = dg.materialize([mart_assets.deaths_by_region, check], resources=resources,
                                selection=dg.AssetSelection.checks(check), raise_on_error=False)
    evaluation = next(e for e in check_only.get_asset_check_evaluations() if e.check_name == "secrecy_applied")
    assert not evaluation.passed and evaluation.metadata["leaking_rows"].value == leaked.height
