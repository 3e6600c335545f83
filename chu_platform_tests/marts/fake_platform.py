"""A small stand-in for the platform's definitions that ``chu run`` can build: a deaths chain, a
hospitalisations and an establishments table, a reference dimension and both warehouses. Built
from the environment (``CHU_DATA_DIR``; ``CHU_FAKE_FAILING=1`` makes the deaths file unreadable
and a dimension check fail), so that each run of ``chu run`` rebuilds the same definitions."""

import os
from pathlib import Path

import dagster as dg
import polars as pl

from chu_platform.defs import jobs
from chu_platform.defs.resources import ChuSettings
from chu_platform.defs.warehouse import build_analysts_warehouse_asset, build_warehouse_asset
from chu_platform.lib.executor import chu_executor
from chu_platform.defs.io_manager import DeltaIOManager
from chu_platform.defs.partitions import RANGE, yearly_partitions


def definitions() -> dg.Definitions:
    data_dir = Path(os.environ["CHU_DATA_DIR"])
    failing = os.environ.get("CHU_FAKE_FAILING") == "1"

    @dg.asset(key=["bronze", "deaths"], group_name="bronze", partitions_def=yearly_partitions,
              backfill_policy=RANGE, tags={"chu/source": "deaths"})
    def bronze_deaths(context: dg.AssetExecutionContext) -> pl.DataFrame:
        if failing:
            raise RuntimeError("unreadable file")
        return pl.DataFrame({"n": [int(k) for k in context.partition_keys], "year": [int(k) for k in context.partition_keys]})

    @dg.asset(key=["bronze", "hospitalisations"], group_name="bronze", tags={"chu/source": "hospitalisations"})
    def bronze_hospitalisations() -> pl.DataFrame:
        return pl.DataFrame({"n": [1]})

    @dg.asset(key=["bronze", "establishments"], group_name="bronze", tags={"chu/source": "establishments"})
    def bronze_establishments() -> pl.DataFrame:
        return pl.DataFrame({"finess": ["750000001"]})

    @dg.asset(key=["gold", "dim_geography"], group_name="gold")
    def dim_geography() -> pl.DataFrame:
        return pl.DataFrame({"region_code": ["11"]})

    @dg.asset(key=["gold", "fact_deces"], group_name="gold", partitions_def=yearly_partitions, backfill_policy=RANGE,
              ins={"deaths": dg.AssetIn(key=["bronze", "deaths"])})
    def fact_deces(deaths: pl.DataFrame) -> pl.DataFrame:
        return deaths.with_columns(pl.col("n") * 2)

    @dg.asset_check(asset=dg.AssetKey(["gold", "dim_geography"]))
    def regions_known() -> dg.AssetCheckResult:
        return dg.AssetCheckResult(passed=not failing)

    gold_keys = [dg.AssetKey(["gold", "dim_geography"]), dg.AssetKey(["gold", "fact_deces"])]
    platform = dg.Definitions(
        assets=[bronze_deaths, bronze_hospitalisations, bronze_establishments, dim_geography, fact_deces,
                build_warehouse_asset(gold_keys), build_analysts_warehouse_asset(gold_keys)],
        asset_checks=[regions_known],
        executor=chu_executor,
        resources={"io_manager": DeltaIOManager(data_dir=str(data_dir)),
                   "settings": ChuSettings(data_dir=str(data_dir), landing_dir=str(data_dir / "landing"))},
    )
    return dg.Definitions.merge(platform, dg.Definitions(jobs=jobs.build_jobs(platform.resolve_asset_graph())))


def job(name: str) -> dg.JobDefinition:
    return definitions().resolve_job_def(name)
