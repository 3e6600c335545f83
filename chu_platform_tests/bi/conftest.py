"""One small published platform for the package: the marts' synthetic gold (with prescriptions),
every mart (the eight analyses, the activity indicators, the forecast), both warehouses and the
export, materialised as `chu run` does (the BI group: this process' own)."""

from __future__ import annotations

import grp
import os
from dataclasses import dataclass
from pathlib import Path

import dagster as dg
import polars as pl
import pytest

from chu_platform.defs.marts import activity_assets
from chu_platform.defs.marts import assets as mart_assets
from chu_platform.defs.marts.forecast_assets import activity_forecast
from chu_platform.defs.marts.export_assets import export_files
from chu_platform.defs.resources import ChuSettings
from chu_platform.defs.warehouse import build_analysts_warehouse_asset, build_warehouse_asset
from chu_platform.lib import delta_store
from chu_platform.defs.io_manager import DeltaIOManager
from chu_platform.layers.marts.activity import INDICATORS
from chu_platform.layers.marts.analyses import ANALYSES
from chu_platform.layers.marts.export import EXPORTED
from chu_platform_tests.conftest import set_platform_env
from chu_platform_tests.dashboard.conftest import with_prescriptions
from chu_platform_tests.marts.conftest import synthetic_gold, write_gold


@dataclass
class Published:
    data: Path
    gold: dict[str, pl.DataFrame]
    result: dg.ExecuteInProcessResult

    @property
    def lake(self) -> str:
        return str(self.data / "lake")

    @property
    def warehouse(self) -> Path:
        return self.data / "warehouse.duckdb"

    @property
    def analysts_warehouse(self) -> Path:
        return self.data / "analysts" / "warehouse.duckdb"

    def mart(self, name: str) -> pl.DataFrame:
        return delta_store.read(delta_store.table_uri(self.lake, ["marts", name]))


@pytest.fixture(scope="package")
def published(tmp_path_factory) -> Published:
    data = tmp_path_factory.mktemp("published") / "data"
    gold = with_prescriptions(synthetic_gold())
    write_gold(str(data / "lake"), gold)
    keys = [dg.AssetKey(["gold", t]) for t in gold] + [dg.AssetKey(["marts", n]) for n in EXPORTED]
    with pytest.MonkeyPatch.context() as patch:
        set_platform_env(patch, data)
        patch.setenv("CHU_BI_GROUP", grp.getgrgid(os.getegid()).gr_name)
        resources = {"settings": ChuSettings(data_dir=str(data), landing_dir=str(data / "landing")),
                     "io_manager": DeltaIOManager(data_dir=str(data))}
        assets = [*(getattr(mart_assets, n) for n in ANALYSES), *(getattr(activity_assets, n) for n in INDICATORS),
                  activity_forecast, build_warehouse_asset(keys),
                  build_analysts_warehouse_asset(keys), export_files]
        result = dg.materialize(assets, resources=resources)
    assert result.success
    return Published(data, gold, result)
