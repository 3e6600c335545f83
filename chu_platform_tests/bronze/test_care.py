"""Care-DB extraction from a real PostgreSQL."""

from contextlib import closing

import dagster as dg
import psycopg2

from chu_platform.layers.bronze import care
from chu_platform.defs.bronze.care_assets import CARE_ASSETS
from chu_platform.defs.bronze.checks import BRONZE_CHECKS
from chu_platform.defs.bronze.resources import DropResource
from chu_platform.defs.resources import ChuSettings
from chu_platform.lib import delta_store
from chu_platform.defs.io_manager import DeltaIOManager
from chu_platform.schemas.sources import CARE_TABLES

ROWS = {"Patient": 7, "Consultation": 0, "Diagnostic": 4, "Professionnel_de_sante": 3, "Specialites": 2,
        "Mutuelle": 2, "Adher": 5, "Prescription": 6, "Medicaments": 3}
CONSULTATION_YEARS = {2019: 4, 2020: 3}


def load_care_db(dsn: str) -> None:
    with closing(psycopg2.connect(dsn)) as con, con.cursor() as cur:
        for table, columns in CARE_TABLES.items():
            types = ", ".join(
                f'"{c}" {"date" if (table, c) == ("Consultation", "Date") else "integer" if c == "Age" else "text"}'
                for c in columns
            )
            cur.execute(f'CREATE TABLE "{table}" ({types})')
            for i in range(ROWS[table]):
                values = [None if c == "EMail" and i == 0 else (i if c == "Age" else f"{c}-{i}") for c in columns]
                cur.execute(f'INSERT INTO "{table}" VALUES ({", ".join(["%s"] * len(columns))})', values)
        n = 0
        for year, count in CONSULTATION_YEARS.items():
            for _ in range(count):
                n += 1
                cur.execute('INSERT INTO "Consultation" VALUES (%s, 1, 2, %s, %s, %s, %s, %s, %s)',
                            (n, "P1", "A00", "motif", f"{year}-06-0{1 + n % 8}", "08:00:00", "08:30:00"))
        con.commit()


def test_extraction_matches_source_row_counts(pg_dsn, tmp_path):
    load_care_db(pg_dsn)
    data = str(tmp_path / "data")
    settings = ChuSettings(data_dir=data, landing_dir=str(tmp_path / "landing"), source_dsn=pg_dsn)
    resources = {"settings": settings, "drop": DropResource(landing_dir=str(tmp_path / "landing")),
                 "io_manager": DeltaIOManager(data_dir=data)}
    whole = [a for a in CARE_ASSETS if a.partitions_def is None]
    checks = [c for c in BRONZE_CHECKS if next(iter(c.check_keys)).asset_key in {a.key for a in CARE_ASSETS}]
    result = dg.materialize([*whole, *checks], resources=resources, selection=dg.AssetSelection.assets(*whole))
    assert result.success
    consultations = next(a for a in CARE_ASSETS if a.partitions_def is not None)
    for year in CONSULTATION_YEARS:
        assert dg.materialize([consultations], resources=resources, partition_key=str(year)).success
    for entity in care.CARE_ENTITIES.values():
        table = delta_store.read(settings.table_uri("bronze", entity.name))
        expected = sum(CONSULTATION_YEARS.values()) if entity.table == "Consultation" else ROWS[entity.table]
        assert table.height == expected, entity.name
        assert table.columns[: len(entity.columns)] == list(entity.columns)
    patients = delta_store.read(settings.table_uri("bronze", "care_patients")).sort("_source_row")
    assert patients.get_column("age").to_list() == [str(i) for i in range(7)]  # values as text
    assert patients.get_column("email")[0] is None
    by_year = delta_store.read(settings.table_uri("bronze", "care_consultations")).group_by("year").len().sort("year")
    assert dict(by_year.rows()) == CONSULTATION_YEARS
    assert care.years(pg_dsn) == set(CONSULTATION_YEARS)
    evaluations = result.get_asset_check_evaluations()
    # Two checks per whole table: lines reconcile, each line once.
    assert len(evaluations) == 2 * len(whole) and all(e.passed for e in evaluations)


def test_select_sql_casts_to_text_and_bounds_the_year():
    sql = care.select_sql(care.CARE_ENTITIES["care_consultations"], 2019)
    assert '"Date"::text AS "date"' in sql
    assert "WHERE \"Date\" >= '2019-01-01' AND \"Date\" < '2020-01-01'" in sql
