"""Resources shared by every layer."""

from __future__ import annotations

from pathlib import Path

import dagster as dg

from chu_platform.lib import delta_store
from chu_platform.defs.io_manager import DeltaIOManager
from chu_platform.deploy.settings import configured, resolved


class ChuSettings(dg.ConfigurableResource):
    """Where the platform keeps its data and where its sources are.

    ``lake_uri`` may be object storage (``s3://``, ``az://``, ``gs://``); empty means
    ``<data_dir>/lake``. ``source_dsn`` empty means the embedded care database under
    ``<data_dir>/pg``. ``max_rejected_share``: how much of a delivered file may be rejected
    before its load fails (see ``chu_platform.layers.bronze.thresholds``).

    ``volume_warn`` / ``volume_fail``: the relative change of a year's rows (against the
    previous delivery of the year, or the neighbouring years) past which the volume checks
    warn, and fail (``chu_platform.lib.volumes``).

    ``settle_seconds``: how long a delivered file must keep its size and time before it is
    loaded (the settle rule of ``chu_platform.layers.bronze.drop``, for every run and the sensor).
    """

    data_dir: str = ""
    landing_dir: str = ""
    lake_uri: str = ""
    source_dsn: str = ""
    volume_warn: str = "0.25"
    volume_fail: str = "0.5"
    max_rejected_share: str = "0.05"
    settle_seconds: str = ""

    @property
    def data_path(self) -> Path:
        return Path(resolved("CHU_DATA_DIR", self.data_dir)).resolve()

    @property
    def landing_path(self) -> Path:
        return Path(resolved("CHU_LANDING_DIR", self.landing_dir)).resolve()

    @property
    def lake(self) -> str:
        return delta_store.lake_root(str(self.data_path), self.lake_uri)

    @property
    def warehouse_path(self) -> Path:
        """The published warehouse BI tools open (secrecy-safe tables only)."""
        return self.data_path / "warehouse.duckdb"

    @property
    def analysts_warehouse_path(self) -> Path:
        """The authorised analysts' warehouse over gold, owner-only."""
        return self.data_path / "analysts" / "warehouse.duckdb"

    @property
    def export_path(self) -> Path:
        """The published marts as files (``chu export``, ``marts/export``): xlsx, CSV, Parquet."""
        return self.data_path / "export"

    def table_uri(self, layer: str, table: str) -> str:
        return delta_store.table_uri(self.lake, [layer, table])

    @property
    def settle(self) -> float:
        text = resolved("CHU_SETTLE_SECONDS", self.settle_seconds)
        try:
            seconds = float(text)
        except ValueError:
            seconds = -1.0
        if not seconds >= 0:
            raise ValueError(f"CHU_SETTLE_SECONDS: {text!r} is not a number of seconds (0 or more), e.g. 5")
        return seconds


def settings_from_env() -> ChuSettings:
    return ChuSettings(
        data_dir=configured("CHU_DATA_DIR"),
        landing_dir=configured("CHU_LANDING_DIR"),
        lake_uri=configured("CHU_LAKE_URI"),
        source_dsn=configured("CHU_SOURCE_DSN"),
        volume_warn=configured("CHU_VOLUME_WARN"),
        volume_fail=configured("CHU_VOLUME_FAIL"),
        max_rejected_share=configured("CHU_MAX_REJECTED_SHARE"),
        settle_seconds=configured("CHU_SETTLE_SECONDS"),
    )


def io_manager_from_env() -> DeltaIOManager:
    return DeltaIOManager(data_dir=configured("CHU_DATA_DIR"), lake_uri=configured("CHU_LAKE_URI"))
