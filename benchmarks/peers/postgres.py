"""The eight questions in PostgreSQL: gold loaded with COPY into a dedicated database, indexed.

This is what the seed projects do: one relational server, B-tree indexes on the filtered
and joined columns, statistics refreshed with ANALYZE before querying.
"""

from __future__ import annotations

import io
import time
from contextlib import closing

import polars as pl
import psycopg2
from psycopg2 import sql as pgsql

from benchmarks.peers.sql import TABLES, render
from chu_platform.lib import delta_store

NAME = "postgresql"

INDEXES: dict[str, tuple[tuple[str, ...], ...]] = {
    "fact_consultation": (("year", "date_key"),),
    "fact_hospitalisation": (("year", "date_entree_key"),),
    "fact_deces": (("year",),),
    "fact_satisfaction": (("year",),),
    "dim_patient": (("patient_key",),),
}

_TYPES = {
    pl.Int8: "smallint",
    pl.Int16: "smallint",
    pl.Int32: "integer",
    pl.Int64: "bigint",
    pl.Float32: "real",
    pl.Float64: "double precision",
    pl.Boolean: "boolean",
    pl.Date: "date",
    pl.String: "text",
}


def _pg_type(dtype: pl.DataType) -> str:
    for polars_type, pg_type in _TYPES.items():
        if dtype == polars_type:
            return pg_type
    raise ValueError(f"no PostgreSQL type for {dtype}: add it to benchmarks/peers/postgres.py _TYPES")


class PostgresEngine:
    """Loads the gold tables the questions read into the database of ``dsn``."""

    def __init__(self, gold: dict[str, str], dsn: str, chunk_rows: int = 500_000) -> None:
        self.con = psycopg2.connect(dsn)
        self.con.autocommit = True
        started = time.perf_counter()
        needed = sorted({table for tables in TABLES.values() for table in tables})
        self.rows = {name: self._load(name, delta_store.read(gold[name]), chunk_rows) for name in needed}
        self.load_s = time.perf_counter() - started
        started = time.perf_counter()
        with self.con.cursor() as cur:
            for table, indexes in INDEXES.items():
                for columns in indexes:
                    cur.execute(
                        pgsql.SQL("CREATE INDEX ON {} ({})").format(
                            pgsql.Identifier(table), pgsql.SQL(", ").join(map(pgsql.Identifier, columns))
                        )
                    )
            cur.execute("ANALYZE")
        self.index_s = time.perf_counter() - started

    def _load(self, name: str, frame: pl.DataFrame, chunk_rows: int) -> int:
        columns = pgsql.SQL(", ").join(
            pgsql.SQL("{} {}").format(pgsql.Identifier(col), pgsql.SQL(_pg_type(dtype)))
            for col, dtype in frame.schema.items()
        )
        with self.con.cursor() as cur:
            cur.execute(pgsql.SQL("DROP TABLE IF EXISTS {}").format(pgsql.Identifier(name)))
            cur.execute(pgsql.SQL("CREATE TABLE {} ({})").format(pgsql.Identifier(name), columns))
            copy = pgsql.SQL("COPY {} FROM STDIN WITH (FORMAT csv, NULL '')").format(pgsql.Identifier(name))
            for start in range(0, frame.height, chunk_rows):
                buffer = io.BytesIO()
                frame.slice(start, chunk_rows).write_csv(buffer, include_header=False, null_value="")
                buffer.seek(0)
                cur.copy_expert(copy.as_string(cur), buffer)
        return frame.height

    def version(self) -> str:
        with self.con.cursor() as cur:
            cur.execute("SHOW server_version")
            return f"PostgreSQL {cur.fetchone()[0]}"

    def run(self, name: str, params: dict[str, int]) -> pl.DataFrame:
        with self.con.cursor() as cur:
            cur.execute(render(name, params))
            columns = [d.name for d in cur.description]
            rows = cur.fetchall()
        return pl.DataFrame(rows, schema=columns, orient="row", infer_schema_length=None)

    def close(self) -> None:
        with closing(self.con):
            pass
