"""The benchmark asset on a tiny gold: well-formed, appended history rows (no speed asserted)."""

import shutil
from pathlib import Path

import dagster as dg
import polars as pl

from chu_platform.defs.latency.assets import query_benchmark
from chu_platform.defs.resources import ChuSettings
from chu_platform.lib import delta_store
from chu_platform.layers.marts.analyses import ANALYSES
from chu_platform.latency.benchmark import SCHEMA
from chu_platform.latency.layouts import LAYOUTS


def _materialise(data: Path, repetitions: int = 2, layouts: list[str] | None = None) -> dg.ExecuteInProcessResult:
    run_config = {"repetitions": repetitions, "fragments": 3}
    if layouts is not None:
        run_config["layouts"] = layouts
    return dg.materialize(
        [query_benchmark],
        resources={"settings": ChuSettings(data_dir=str(data), landing_dir=str(data / "landing"))},
        run_config={"ops": {"ops__query_benchmark": {"config": run_config}}},
    )


def test_every_analysis_on_every_layout_is_recorded(tiny_lake, tmp_path):
    data = tmp_path / "data"
    shutil.copytree(Path(tiny_lake), data / "lake")
    result = _materialise(data)
    assert result.success

    rows = delta_store.read(str(data / "lake" / "ops" / "query_latency"))
    assert dict(rows.schema) == SCHEMA
    assert rows.height == len(ANALYSES) * len(LAYOUTS)
    assert set(rows["layout"]) == set(LAYOUTS)
    assert rows.group_by("layout").len()["len"].to_list() == [len(ANALYSES)] * len(LAYOUTS)
    assert set(rows["query"]) == set(ANALYSES)
    assert rows["period_from"].dt.year().unique().to_list() == [2023]
    assert rows.filter(
        (pl.col("min_ms") <= 0) | (pl.col("p50_ms") < pl.col("min_ms")) | (pl.col("p95_ms") < pl.col("p50_ms"))
    ).is_empty()
    assert (rows["cold_ms"] > 0).all()
    assert (rows["repetitions"] == 2).all()
    assert (rows["data_bytes"] > 0).all()
    assert (rows["result_rows"] > 0).all()
    scanned = rows.filter(pl.col("layout") != "mart_preaggregated")["rows_scanned"]
    assert (scanned > 0).all()
    assert rows["run_id"].n_unique() == 1 and rows["code_version"][0]

    materialisation = result.asset_materializations_for_node("ops__query_benchmark")[0]
    metadata = materialisation.metadata
    assert {f"p50_ms/{name}" for name in ANALYSES} <= set(metadata)
    assert {f"p50_ms_served/{name}" for name in ANALYSES} <= set(metadata)
    assert Path(metadata["chart"].value).stat().st_size > 0
    assert (data / "ops" / "layouts" / "duckdb_native" / "native.duckdb").exists()


def test_history_survives_a_second_run(tiny_lake, tmp_path):
    data = tmp_path / "data"
    shutil.copytree(Path(tiny_lake), data / "lake")
    assert _materialise(data, repetitions=1, layouts=["delta_partitioned"]).success
    second = _materialise(data, repetitions=1, layouts=["delta_partitioned", "duckdb_native"])
    assert second.success

    rows = delta_store.read(str(data / "lake" / "ops" / "query_latency"))
    assert rows.height == len(ANALYSES) * 3
    assert rows["run_id"].n_unique() == 2
    metadata = second.asset_materializations_for_node("ops__query_benchmark")[0].metadata
    assert metadata["layouts_rebuilt"].value == "duckdb_native"


def test_without_gold_the_asset_says_so_and_writes_nothing(tmp_path):
    data = tmp_path / "data"
    result = _materialise(data, repetitions=1)
    assert result.success
    metadata = result.asset_materializations_for_node("ops__query_benchmark")[0].metadata
    assert "materialise gold" in metadata["skipped"].value
    assert not delta_store.exists(str(data / "lake" / "ops" / "query_latency"))


def test_a_partly_built_gold_is_benchmarked_as_far_as_it_goes(tiny_lake, tmp_path):
    data = tmp_path / "data"
    shutil.copytree(Path(tiny_lake), data / "lake")
    shutil.rmtree(data / "lake" / "gold" / "fact_satisfaction")
    assert _materialise(data, repetitions=1, layouts=["delta_partitioned", "mart_preaggregated"]).success
    rows = delta_store.read(str(data / "lake" / "ops" / "query_latency"))
    assert set(rows["query"]) == set(ANALYSES) - {"satisfaction_by_region"}
    assert rows.height == 2 * (len(ANALYSES) - 1)
