"""DuckDB over Delta: views that read exactly each table's current files."""

from __future__ import annotations

from collections.abc import Mapping

import duckdb
import pyarrow as pa
from deltalake import DeltaTable

from chu_platform.lib import delta_store


def _quote(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def delta_select(uri: str, storage_options: dict[str, str] | None = None) -> str:
    """A SELECT over the current snapshot of a Delta table.

    ``read_parquet`` on the listed files, with hive partitioning to recover the ``year``
    column that Delta keeps in the folder names. An empty table becomes an empty relation
    of the right schema.
    """
    dt = DeltaTable(uri, storage_options=storage_options)
    files = dt.file_uris()
    partitioned = bool(dt.metadata().partition_columns)
    if not files:
        schema = pa.schema(dt.schema().to_arrow())
        columns = ", ".join(
            f"CAST(NULL AS {_duck_type(field.type)}) AS \"{field.name}\"" for field in schema
        )
        return f"SELECT {columns} WHERE false"
    listing = "[" + ", ".join(_quote(f) for f in files) + "]"
    hive = "true" if partitioned else "false"
    return f"SELECT * FROM read_parquet({listing}, hive_partitioning={hive})"


def _duck_type(arrow_type: pa.DataType) -> str:
    if pa.types.is_integer(arrow_type):
        return "BIGINT"
    if pa.types.is_floating(arrow_type):
        return "DOUBLE"
    if pa.types.is_boolean(arrow_type):
        return "BOOLEAN"
    if pa.types.is_date(arrow_type):
        return "DATE"
    if pa.types.is_timestamp(arrow_type):
        return "TIMESTAMP"
    return "VARCHAR"


def register_views(
    con: duckdb.DuckDBPyConnection,
    tables: Mapping[str, str],
    storage_options: dict[str, str] | None = None,
) -> list[str]:
    """Create or replace one view per ``name -> Delta uri``; returns the names created."""
    created = []
    for name, uri in tables.items():
        if not delta_store.exists(uri, storage_options):
            continue
        con.execute(f'CREATE OR REPLACE VIEW "{name}" AS {delta_select(uri, storage_options)}')
        created.append(name)
    return created
