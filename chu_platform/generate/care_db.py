"""Loading the care-records base into PostgreSQL: drop, create, COPY, then keys.

Types follow the real base: birth date (``Patient."Date"``), weight and height are text;
``Consultation."Date"`` is a DATE and the opening hours are TIME. Keys are added after the
load, which is both faster and what a dump restore does.
"""

from __future__ import annotations

import io
from contextlib import closing

import polars as pl
import psycopg2
from psycopg2 import sql

from chu_platform.schemas.sources import CARE_TABLES

COLUMN_TYPES: dict[str, dict[str, str]] = {
    "Patient": {"Id_patient": "integer", "Age": "integer"},
    "Consultation": {"Num_consultation": "integer", "Id_mut": "integer", "Id_patient": "integer",
                     "Date": "date", "Heure_debut": "time", "Heure_fin": "time"},
    "Mutuelle": {"Id_Mut": "integer"},
    "Adher": {"Id_patient": "integer", "Id_mut": "integer"},
    "Prescription": {"Num_consultation": "integer"},
    "Medicaments": {"Date_AMM": "date"},
}

PRIMARY_KEYS: dict[str, tuple[str, ...]] = {
    "Patient": ("Id_patient",), "Consultation": ("Num_consultation",), "Diagnostic": ("Code_diag",),
    "Professionnel_de_sante": ("Identifiant",), "Specialites": ("Code_specialite",),
    "Mutuelle": ("Id_Mut",), "Adher": ("Id_patient", "Id_mut"),
    "Prescription": ("Num_consultation", "Code_CIS"), "Medicaments": ("Code_CIS",),
}

# (table, columns, referenced table, referenced columns)
FOREIGN_KEYS: tuple[tuple[str, tuple[str, ...], str, tuple[str, ...]], ...] = (
    ("Consultation", ("Id_patient",), "Patient", ("Id_patient",)),
    ("Consultation", ("Id_prof_sante",), "Professionnel_de_sante", ("Identifiant",)),
    ("Consultation", ("Code_diag",), "Diagnostic", ("Code_diag",)),
    ("Consultation", ("Id_mut",), "Mutuelle", ("Id_Mut",)),
    ("Professionnel_de_sante", ("Code_specialite",), "Specialites", ("Code_specialite",)),
    ("Adher", ("Id_patient",), "Patient", ("Id_patient",)),
    ("Adher", ("Id_mut",), "Mutuelle", ("Id_Mut",)),
    ("Prescription", ("Num_consultation",), "Consultation", ("Num_consultation",)),
    ("Prescription", ("Code_CIS",), "Medicaments", ("Code_CIS",)),
)

LOAD_ORDER = ("Specialites", "Diagnostic", "Mutuelle", "Medicaments", "Patient", "Professionnel_de_sante",
              "Adher", "Consultation", "Prescription")


def column_type(table: str, column: str) -> str:
    return COLUMN_TYPES.get(table, {}).get(column, "text")


def _names(columns: tuple[str, ...]) -> sql.Composable:
    return sql.SQL(", ").join(sql.Identifier(c) for c in columns)


def load(dsn: str, tables: dict[str, pl.DataFrame]) -> dict[str, int]:
    """Replace the care tables in ``dsn`` with ``tables``; returns the row count of each."""
    missing = set(CARE_TABLES) - set(tables)
    if missing:
        raise ValueError(f"care tables missing from the load: {sorted(missing)}")
    counts: dict[str, int] = {}
    with closing(psycopg2.connect(dsn)) as con:
        with con.cursor() as cur:
            cur.execute(sql.SQL("DROP TABLE IF EXISTS {} CASCADE").format(
                sql.SQL(", ").join(sql.Identifier("public", t) for t in CARE_TABLES)))
            for table in LOAD_ORDER:
                columns = CARE_TABLES[table]
                cur.execute(sql.SQL("CREATE TABLE {} ({})").format(
                    sql.Identifier("public", table),
                    sql.SQL(", ").join(sql.SQL("{} {}").format(sql.Identifier(c), sql.SQL(column_type(table, c))) for c in columns),
                ))
                frame = tables[table].select(columns)
                buffer = io.BytesIO()
                # \N marks NULL so that empty strings stay empty strings.
                frame.write_csv(buffer, include_header=False, null_value="\\N", time_format="%H:%M:%S", date_format="%Y-%m-%d")
                buffer.seek(0)
                cur.copy_expert(sql.SQL("COPY {} ({}) FROM STDIN WITH (FORMAT csv, NULL '\\N')").format(
                    sql.Identifier("public", table), _names(columns)).as_string(cur), buffer)
                counts[table] = frame.height
            for table, key in PRIMARY_KEYS.items():
                cur.execute(sql.SQL("ALTER TABLE {} ADD PRIMARY KEY ({})").format(sql.Identifier("public", table), _names(key)))
            for table, columns, target, target_columns in FOREIGN_KEYS:
                cur.execute(sql.SQL("ALTER TABLE {} ADD FOREIGN KEY ({}) REFERENCES {} ({})").format(
                    sql.Identifier("public", table), _names(columns), sql.Identifier("public", target), _names(target_columns)))
            cur.execute(sql.SQL("ANALYZE {}").format(sql.SQL(", ").join(sql.Identifier("public", t) for t in CARE_TABLES)))
        con.commit()
    return counts
