"""Extraction of the care-records database (PostgreSQL) into bronze frames.

Columns are cast to text in SQL so bronze keeps values as the database renders them, and
read with ADBC (Arrow end to end; see docs/readme/ingestion.md for the measured comparison
with psycopg and COPY). Consultations are read one year at a time on their "Date".

ADBC is driven through its low-level API: its DB-API module (what ``pl.read_database_uri``
uses) imports pyarrow.dataset and pandas, 2.1 s at the first read of every process.
"""

from __future__ import annotations

from contextlib import closing
from dataclasses import dataclass
from datetime import datetime

import adbc_driver_manager
import adbc_driver_postgresql
import polars as pl
import psycopg2
import pyarrow as pa

from chu_platform.schemas.sources import CARE_TABLES, bronze_column


@dataclass(frozen=True)
class CareEntity:
    name: str
    table: str
    order_by: tuple[str, ...]
    partitioned: bool = False

    @property
    def columns(self) -> tuple[str, ...]:
        return tuple(bronze_column(c) for c in CARE_TABLES[self.table])

    @property
    def source_file(self) -> str:
        return f'postgresql:public."{self.table}"'


CARE_ENTITIES: dict[str, CareEntity] = {
    e.name: e
    for e in (
        CareEntity("care_patients", "Patient", ("Id_patient",)),
        CareEntity("care_consultations", "Consultation", ("Num_consultation",), partitioned=True),
        CareEntity("care_diagnostics", "Diagnostic", ("Code_diag",)),
        CareEntity("care_professionals", "Professionnel_de_sante", ("Identifiant",)),
        CareEntity("care_specialties", "Specialites", ("Code_specialite",)),
        CareEntity("care_mutuals", "Mutuelle", ("Id_Mut",)),
        CareEntity("care_memberships", "Adher", ("Id_patient", "Id_mut")),
        CareEntity("care_prescriptions", "Prescription", ("Num_consultation", "Code_CIS")),
        CareEntity("care_medications", "Medicaments", ("Code_CIS",)),
    )
}
DATE_COLUMN = "Date"


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def where(entity: CareEntity, year: int | None) -> str:
    if not entity.partitioned or year is None:
        return ""
    year = int(year)
    return f" WHERE {_quote(DATE_COLUMN)} >= '{year}-01-01' AND {_quote(DATE_COLUMN)} < '{year + 1}-01-01'"


def select_sql(entity: CareEntity, year: int | None = None) -> str:
    """Every column as text under its bronze name, in a stable order (for ``_source_row``)."""
    columns = ", ".join(f"{_quote(c)}::text AS {_quote(bronze_column(c))}" for c in CARE_TABLES[entity.table])
    order = ", ".join(_quote(c) for c in entity.order_by)
    return f"SELECT {columns} FROM public.{_quote(entity.table)}{where(entity, year)} ORDER BY {order}"


def count_sql(entity: CareEntity, year: int | None = None) -> str:
    return f"SELECT count(*) FROM public.{_quote(entity.table)}{where(entity, year)}"


class SourceUnavailable(RuntimeError):
    """The care database could not be reached or dropped the connection (a restart, a
    terminated backend, a network cut): the extraction may succeed on a retry."""


# What drivers raise for a lost or refused connection, as opposed to an error in the query.
CONNECTION_ERRORS = (psycopg2.OperationalError, psycopg2.InterfaceError, adbc_driver_manager.OperationalError,
                     adbc_driver_manager.InterfaceError, adbc_driver_manager.InternalError)


def _unavailable(entity: CareEntity, doing: str, error: Exception) -> SourceUnavailable:
    detail = " ".join(str(error).split())[:300]
    return SourceUnavailable(
        f'care database unreachable or connection lost while {doing} public."{entity.table}" ({detail}); '
        "a transient fault: the run retries it. If it persists, check that CHU_SOURCE_DSN's server is up."
    )


def source_count(dsn: str, entity: CareEntity, year: int | None = None) -> int:
    try:
        with closing(psycopg2.connect(dsn)) as con, con.cursor() as cur:
            cur.execute(count_sql(entity, year))
            return int(cur.fetchone()[0])
    except CONNECTION_ERRORS as error:
        raise _unavailable(entity, "counting", error) from error


def read_arrow(dsn: str, sql: str) -> pa.Table:
    """The result of ``sql`` as an Arrow table, read with ADBC's PostgreSQL driver."""
    with (
        closing(adbc_driver_postgresql.connect(dsn)) as database,
        closing(adbc_driver_manager.AdbcConnection(database)) as connection,
        closing(adbc_driver_manager.AdbcStatement(connection)) as statement,
    ):
        statement.set_sql_query(sql)
        stream, _ = statement.execute_query()
        return pa.RecordBatchReader.from_stream(stream).read_all()


def extract(dsn: str, entity: CareEntity, year: int | None, run_id: str, ingested_at: datetime) -> pl.DataFrame:
    """The table (or the year of consultations) as a bronze frame with lineage."""
    try:
        frame = pl.from_arrow(read_arrow(dsn, select_sql(entity, year)))
    except CONNECTION_ERRORS as error:
        raise _unavailable(entity, "reading", error) from error
    except Exception as error:
        raise RuntimeError(
            f'reading public."{entity.table}" failed ({error}); expected columns '
            f"{', '.join(CARE_TABLES[entity.table])}. Check CHU_SOURCE_DSN and the table's columns."
        ) from error
    frame = frame.with_columns(pl.all().cast(pl.String))
    frame = frame.with_columns(
        pl.lit(entity.source_file).alias("_source_file"),
        pl.int_range(1, frame.height + 1, dtype=pl.Int64).alias("_source_row"),
        pl.lit(ingested_at).cast(pl.Datetime("us", "UTC")).alias("_ingested_at"),
        pl.lit(run_id).alias("_run_id"),
    )
    if entity.partitioned:
        frame = frame.with_columns(pl.lit(year, dtype=pl.Int32).alias("year"))
    return frame


def years(dsn: str) -> set[int]:
    """The years that consultations cover."""
    sql = f'SELECT DISTINCT extract(year FROM {_quote(DATE_COLUMN)}::date)::int FROM public."Consultation"'
    with closing(psycopg2.connect(dsn)) as con, con.cursor() as cur:
        cur.execute(sql)
        return {int(r[0]) for r in cur.fetchall() if r[0] is not None}
