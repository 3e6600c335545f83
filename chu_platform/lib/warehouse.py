"""DuckDB over Delta: views that read exactly each table's current files."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from urllib.parse import unquote

import duckdb
import polars as pl
import pyarrow as pa

from chu_platform.lib import delta_store


def _quote(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


@dataclass(frozen=True)
class DeltaFiles:
    """A Delta table's current snapshot as DuckDB reads it: its data files and their years.

    ``paths`` are relative to the table (as the Delta log names them, unique per write: a
    rewritten year gets new names), ``years`` the partition value of each (``None`` when the
    table is not partitioned), ``rows`` the total row count from the log's statistics.
    """

    uri: str
    paths: tuple[str, ...]
    years: tuple[int | None, ...]
    rows: int
    partitioned: bool
    schema: pa.Schema

    def files(self, years: Iterable[int] | None = None) -> list[str]:
        """Absolute URIs of the data files, only those of ``years`` when given."""
        wanted = None if years is None or not self.partitioned else {int(y) for y in years}
        base = self.uri.rstrip("/")
        return [
            f"{base}/{unquote(path)}"
            for path, year in zip(self.paths, self.years)
            if wanted is None or year in wanted
        ]

    def select(self, years: Iterable[int] | None = None) -> str:
        """A SELECT over the files (of ``years``); an empty relation of the schema if none."""
        files = self.files(years)
        if not files:
            columns = ", ".join(
                f"CAST(NULL AS {_duck_type(field.type)}) AS \"{field.name}\"" for field in self.schema
            )
            return f"SELECT {columns} WHERE false"
        listing = "[" + ", ".join(_quote(f) for f in files) + "]"
        hive = "true" if self.partitioned else "false"
        return f"SELECT * FROM read_parquet({listing}, hive_partitioning={hive})"


def delta_files(uri: str, storage_options: dict[str, str] | None = None) -> DeltaFiles | None:
    """The table's current files, read once from its log; ``None`` when there is no table."""
    try:
        dt = delta_store.open_table(uri, storage_options)
    except FileNotFoundError:
        return None
    # Polars, not pa.table(): pyarrow's table() imports pandas on its first call (~1.5 s of a
    # `chu query` process).
    actions = pl.DataFrame(dt.get_add_actions(flatten=True))
    partitioned = "partition.year" in actions.columns
    paths = tuple(actions.get_column("path").to_list())
    if partitioned:
        years = tuple(None if y is None else int(y) for y in actions.get_column("partition.year").to_list())
    else:
        years = (None,) * len(paths)
    rows = int(actions.get_column("num_records").fill_null(0).sum()) if paths else 0
    return DeltaFiles(uri, paths, years, rows, partitioned, pa.schema(dt.schema().to_arrow()))


def delta_select(uri: str, storage_options: dict[str, str] | None = None) -> str:
    """A SELECT over the current snapshot of a Delta table.

    ``read_parquet`` on the listed files, with hive partitioning to recover the ``year``
    column that Delta keeps in the folder names. An empty table becomes an empty relation
    of the right schema.
    """
    listed = delta_files(uri, storage_options)
    if listed is None:
        raise FileNotFoundError(f"No Delta table at {uri}")
    return listed.select()


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
        con.execute(f'CREATE OR REPLACE VIEW "{name}" AS {portable_select(uri, storage_options)}')
        created.append(name)
    return created


def portable_select(uri: str, storage_options: dict[str, str] | None = None) -> str:
    """``delta_select`` for a view stored in a file that other DuckDB versions open.

    A view keeps the column types it was created with, and refuses to run where they bind
    differently ("Contents of view were altered"). A column Delta stores as ``void`` (no value
    ever written) reads as type NULL in DuckDB 2.0 but INTEGER in 1.x: it is cast to VARCHAR,
    the type an empty table's columns get here too.
    """
    listed = delta_files(uri, storage_options)
    if listed is None:
        raise FileNotFoundError(f"No Delta table at {uri}")
    select = listed.select()
    voids = [field.name for field in listed.schema if pa.types.is_null(field.type)]
    if not voids or not listed.paths:
        return select
    replaced = ", ".join(f'CAST("{name}" AS VARCHAR) AS "{name}"' for name in voids)
    return f"SELECT * REPLACE ({replaced}) FROM ({select})"
