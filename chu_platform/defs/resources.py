"""Resources shared by every layer, and what every resource of the platform does when used.

The definitions hold no configuration: a field left empty reads its environment variable when
the resource is used, and that variable's default when unset (``deploy.settings.resolved``), so
the definitions are the same whatever the environment, ``dagster dev`` needs no variable, and a
secret (the FTP password, the database's DSN) never enters the run config. A value given in
run config (the launchpad, a test) wins. Each field's description names its variable.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import dagster as dg
from pydantic import Field

from chu_platform.lib import delta_store, permissions
from chu_platform.deploy.settings import resolved


def from_variable(name: str) -> Any:
    """A field, empty by default, read from the variable ``name`` when left empty: its
    description (shown in the UI and the launchpad) says so."""
    return Field(default="", description=f"Empty: the environment variable {name} when the resource is used, "
                                              "else its default (docs/configuration.md).")


class OwnerOnly:
    """Resources that write, or whose users write: files created from their first use on are
    owner-only (``permissions.restrict``), in a run worker or a code server started by hand
    (``dagster dev``) as under ``chu``."""

    def setup_for_execution(self, context: dg.InitResourceContext) -> None:
        permissions.restrict()


class ChuSettings(OwnerOnly, dg.ConfigurableResource):
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

    Read the values in force through the properties (``lake``, ``source``, ``warn_share``...),
    never the fields: a field is empty when its variable applies.
    """

    data_dir: str = from_variable("CHU_DATA_DIR")
    landing_dir: str = from_variable("CHU_LANDING_DIR")
    lake_uri: str = from_variable("CHU_LAKE_URI")
    source_dsn: str = from_variable("CHU_SOURCE_DSN")
    volume_warn: str = from_variable("CHU_VOLUME_WARN")
    volume_fail: str = from_variable("CHU_VOLUME_FAIL")
    max_rejected_share: str = from_variable("CHU_MAX_REJECTED_SHARE")
    settle_seconds: str = from_variable("CHU_SETTLE_SECONDS")

    @property
    def data_path(self) -> Path:
        return Path(resolved("CHU_DATA_DIR", self.data_dir)).resolve()

    @property
    def landing_path(self) -> Path:
        return Path(resolved("CHU_LANDING_DIR", self.landing_dir)).resolve()

    @property
    def lake_location(self) -> str:
        """``CHU_LAKE_URI`` as given (empty: the lake under the data directory)."""
        return resolved("CHU_LAKE_URI", self.lake_uri)

    @property
    def lake(self) -> str:
        return delta_store.lake_root(str(self.data_path), self.lake_location)

    @property
    def source(self) -> str:
        """The care database's DSN (empty: the embedded one)."""
        return resolved("CHU_SOURCE_DSN", self.source_dsn)

    @property
    def warn_share(self) -> str:
        return resolved("CHU_VOLUME_WARN", self.volume_warn)

    @property
    def fail_share(self) -> str:
        return resolved("CHU_VOLUME_FAIL", self.volume_fail)

    @property
    def rejected_share(self) -> str:
        return resolved("CHU_MAX_REJECTED_SHARE", self.max_rejected_share)

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

