"""Resources shared by every layer."""

from __future__ import annotations

from pathlib import Path

import dagster as dg

from chu_platform.lib import delta_store
from chu_platform.lib.io_manager import DeltaIOManager


class ChuSettings(dg.ConfigurableResource):
    """Where the platform keeps its data and where its sources are.

    ``lake_uri`` may be object storage (``s3://``, ``az://``, ``gs://``); empty means
    ``<data_dir>/lake``. ``source_dsn`` empty means the embedded care database under
    ``<data_dir>/pg``.
    """

    data_dir: str = "data"
    landing_dir: str = "data/landing"
    lake_uri: str = ""
    source_dsn: str = ""

    @property
    def data_path(self) -> Path:
        return Path(self.data_dir).resolve()

    @property
    def landing_path(self) -> Path:
        return Path(self.landing_dir).resolve()

    @property
    def lake(self) -> str:
        return delta_store.lake_root(self.data_dir, self.lake_uri)

    @property
    def warehouse_path(self) -> Path:
        return self.data_path / "warehouse.duckdb"

    def table_uri(self, layer: str, table: str) -> str:
        return delta_store.table_uri(self.lake, [layer, table])


def settings_from_env() -> ChuSettings:
    return ChuSettings(
        data_dir=dg.EnvVar("CHU_DATA_DIR"),
        landing_dir=dg.EnvVar("CHU_LANDING_DIR"),
        lake_uri=dg.EnvVar("CHU_LAKE_URI"),
        source_dsn=dg.EnvVar("CHU_SOURCE_DSN"),
    )


def io_manager_from_env() -> DeltaIOManager:
    return DeltaIOManager(data_dir=dg.EnvVar("CHU_DATA_DIR"), lake_uri=dg.EnvVar("CHU_LAKE_URI"))
