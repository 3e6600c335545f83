"""The DuckDB file that BI tools open: one view per gold and mart table."""

import os
from collections.abc import Iterable

import dagster as dg
import duckdb

from chu_platform.defs.marts.automation import FOLLOW_ANY_YEAR
from chu_platform.defs.resources import ChuSettings
from chu_platform.lib import warehouse

VIEW_LAYERS = ("gold", "marts")


def view_name(key: dg.AssetKey) -> str:
    """``["gold", "fact_deces"]`` -> ``fact_deces``; marts keep their name too."""
    return key.path[-1]


def build_warehouse_asset(sources: Iterable[dg.AssetKey]) -> dg.AssetsDefinition:
    """The warehouse asset, depending on every table it exposes."""
    source_keys = sorted(sources, key=lambda k: k.to_user_string())

    @dg.asset(
        key=["marts", "warehouse"], group_name="marts", deps=source_keys, kinds={"duckdb"},
        automation_condition=FOLLOW_ANY_YEAR,
    )
    def warehouse_views(context: dg.AssetExecutionContext, settings: ChuSettings) -> dg.MaterializeResult:
        """The DuckDB warehouse file: one view per gold and mart table, over current Delta files."""
        tables = {view_name(k): settings.table_uri(*k.path) for k in source_keys}
        path = settings.warehouse_path
        path.parent.mkdir(parents=True, exist_ok=True)
        # Built aside then renamed over: a BI tool holding the file open read-only keeps a
        # DuckDB lock that would refuse a writer, and it must never see half a catalogue.
        building = path.with_name(f".{path.name}.{os.getpid()}.building")
        building.unlink(missing_ok=True)
        with duckdb.connect(str(building)) as con:
            created = warehouse.register_views(con, tables)
        os.replace(building, path)
        missing = sorted(set(tables) - set(created))
        if missing:
            context.log.warning(f"No Delta table yet for: {', '.join(missing)}")
        return dg.MaterializeResult(
            metadata={
                "path": dg.MetadataValue.path(str(path)),
                "views": dg.MetadataValue.int(len(created)),
                "view_names": ", ".join(created),
            }
        )

    return warehouse_views
