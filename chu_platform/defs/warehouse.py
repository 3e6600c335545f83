"""The two DuckDB warehouses: the published one BI tools open, and the analysts' one over gold.

``data/warehouse.duckdb`` holds copies of the published tables only (``marts/publication.py``):
a BI user needs no access to the lake, and gets none. ``data/analysts/warehouse.duckdb`` keeps
one view per gold and mart table, over the lake, for the platform's owner (authorised analysts).
"""

import os
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TypeVar

import dagster as dg
import duckdb

from chu_platform.defs import partitions
from chu_platform.lib import permissions
from chu_platform.defs.marts.automation import FOLLOW_ANY_YEAR
from chu_platform.defs.resources import ChuSettings
from chu_platform.lib import delta_store, object_store, warehouse
from chu_platform.layers.marts import publication

VIEW_LAYERS = ("gold", "marts")
T = TypeVar("T")
# The oldest storage format DuckDB 2.0 writes (version number 64), which every DuckDB from 0.10
# on reads: the 1.x engines that BI drivers (Metabase, ODBC, JDBC) and duckdb_engine bundle
# refuse DuckDB 2.0's own format. docs/bi-tools.md lists the clients tried.
STORAGE_VERSION = "v1.0.0"


def view_name(key: dg.AssetKey) -> str:
    """``["gold", "fact_deces"]`` -> ``fact_deces``; marts keep their name too."""
    return key.path[-1]


def _replace(path: Path, fill: Callable[[duckdb.DuckDBPyConnection], T]) -> tuple[Path, T]:
    """Fill a new file beside ``path``, for the caller to rename over it: a BI tool holding the
    file open read-only keeps a DuckDB lock that would refuse a writer, and it must never see
    half a catalogue."""
    building = path.with_name(f".{path.name}.{os.getpid()}.building")
    building.unlink(missing_ok=True)
    quoted = "'" + str(building).replace("'", "''") + "'"
    with duckdb.connect() as con:
        con.execute(f"ATTACH {quoted} AS warehouse (STORAGE_VERSION '{STORAGE_VERSION}')")
        con.execute("USE warehouse")
        result = fill(con)
        con.execute("USE memory")
        con.execute("DETACH warehouse")
    return building, result


def _install(context: dg.AssetExecutionContext, building: Path, path: Path, created: list[str],
             missing: list[str], noun: str) -> dg.MaterializeResult:
    """Rename the filled file over the warehouse; what it holds, and who may read it, as metadata."""
    os.replace(building, path)
    if missing:
        context.log.warning(f"No Delta table yet for: {', '.join(missing)}")
    return dg.MaterializeResult(
        metadata={
            "path": dg.MetadataValue.path(str(path)),
            f"{noun}s": dg.MetadataValue.int(len(created)),
            f"{noun}_names": ", ".join(created),
            "readable_by": permissions.readers(path),
            "storage_version": f"{STORAGE_VERSION} (read by DuckDB 0.10 and later, 1.x BI drivers included)",
        }
    )


def build_warehouse_asset(sources: Iterable[dg.AssetKey]) -> dg.AssetsDefinition:
    """The published warehouse, depending on every table it publishes among ``sources``."""
    source_keys = sorted(
        (k for k in sources if len(k.path) == 2 and publication.is_public(*k.path)), key=lambda k: k.to_user_string()
    )

    @partitions.asset(
        key=["marts", "warehouse"], group_name="marts", deps=source_keys, kinds={"duckdb"},
        automation_condition=FOLLOW_ANY_YEAR,
        # In the export's run, not the dashboard's (the policy decides, as for the export in
        # export_assets.py): the dashboard's run is a backfill's last and longest (23.4 s at
        # scale 1), the export's shorter (16.9 s); the warehouse's 3.4 s after the dashboard
        # ended the backfill, beside it they fit in the export's run.
        backfill_policy=dg.BackfillPolicy.single_run(),
    )
    def warehouse_tables(context: dg.AssetExecutionContext, settings: ChuSettings) -> dg.MaterializeResult:
        """The DuckDB file BI tools open: masked marts and aggregates, dimensions without patients; nothing row-level about people."""
        permissions.secure_data_dir(settings.data_path)
        path = settings.warehouse_path

        def fill(con: duckdb.DuckDBPyConnection) -> tuple[list[str], list[str]]:
            created, missing = [], []
            for key in source_keys:
                layer, table = key.path
                uri = settings.table_uri(layer, table)
                if not delta_store.exists(uri):
                    missing.append(table)
                    continue
                frame = publication.published_table(layer, table, delta_store.read(uri))
                con.register("published", frame.to_arrow())
                con.execute(f'CREATE TABLE "{table}" AS SELECT * FROM published')
                con.unregister("published")
                created.append(table)
            return created, missing

        building, (created, missing) = _replace(path, fill)
        permissions.publish_file(building)
        return _install(context, building, path, created, missing, "table")

    return warehouse_tables


def build_analysts_warehouse_asset(sources: Iterable[dg.AssetKey]) -> dg.AssetsDefinition:
    """The analysts' warehouse, depending on every table it exposes."""
    source_keys = sorted(sources, key=lambda k: k.to_user_string())

    @dg.asset(
        key=["marts", "analysts_warehouse"], group_name="marts", deps=source_keys, kinds={"duckdb"},
        automation_condition=FOLLOW_ANY_YEAR,
    )
    def analysts_warehouse(context: dg.AssetExecutionContext, settings: ChuSettings) -> dg.MaterializeResult:
        """The analysts' DuckDB file (owner-only): one view per gold and mart table, over current Delta files."""
        tables = {view_name(k): settings.table_uri(*k.path) for k in source_keys}
        path = settings.analysts_warehouse_path
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        path.parent.chmod(0o700)
        def views(con: duckdb.DuckDBPyConnection) -> list[str]:
            object_store.attach_duckdb(con, settings.lake)
            return warehouse.register_views(con, tables)

        building, created = _replace(path, views)
        building.chmod(0o600)
        return _install(context, building, path, created, sorted(set(tables) - set(created)), "view")

    return analysts_warehouse
