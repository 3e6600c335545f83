"""The care-records base on a real PostgreSQL: the contract's schema, keys, counts, and the
links between the base and the files of the drop."""

import csv
from contextlib import closing

import psycopg2

from chu_platform.schemas import sources
from chu_platform.generate import care_db
from chu_platform_tests.generate.conftest import run


def query(dsn: str, sql: str, args=()) -> list[tuple]:
    with closing(psycopg2.connect(dsn)) as con, con.cursor() as cur:
        cur.execute(sql, args)
        return cur.fetchall()


def file_rows(path, encoding="utf-8") -> list[dict[str, str]]:
    """Rows as dicts; a row with a wrong field count keeps the fields it has (the keys used
    here come before the last field)."""
    with open(path, encoding=encoding, newline="") as handle:
        rows = list(csv.reader(handle, delimiter=";"))
    return [dict(zip(rows[0], r, strict=False)) for r in rows[1:]]


def test_schema_matches_the_contract(loaded):
    _, manifest, dsn = loaded
    for table, columns in sources.CARE_TABLES.items():
        found = query(dsn, "SELECT column_name, data_type FROM information_schema.columns "
                           "WHERE table_schema = 'public' AND table_name = %s ORDER BY ordinal_position", (table,))
        assert [name for name, _ in found] == list(columns), table
        expected = {"text": "text", "integer": "integer", "date": "date", "time": "time without time zone"}
        assert [kind for _, kind in found] == [expected[care_db.column_type(table, c)] for c in columns], table
        assert query(dsn, f'SELECT count(*) FROM public."{table}"')[0][0] == manifest.tables[table]
    assert dict(query(dsn, "SELECT column_name, data_type FROM information_schema.columns "
                           "WHERE table_name = 'Patient' AND column_name IN ('Date', 'Poid', 'Taille')")) == {
        "Date": "text", "Poid": "text", "Taille": "text"}


def test_primary_and_foreign_keys(loaded):
    _, _, dsn = loaded
    primary = query(dsn, """
        SELECT tc.table_name, string_agg(kcu.column_name, ',' ORDER BY kcu.ordinal_position)
        FROM information_schema.table_constraints tc
        JOIN information_schema.key_column_usage kcu USING (constraint_schema, constraint_name)
        WHERE tc.constraint_type = 'PRIMARY KEY' AND tc.table_schema = 'public' GROUP BY tc.table_name""")
    assert {t: tuple(cols.split(",")) for t, cols in primary} == care_db.PRIMARY_KEYS
    foreign = query(dsn, """
        SELECT conrelid::regclass::text, confrelid::regclass::text FROM pg_constraint WHERE contype = 'f'""")
    assert sorted((a.strip('"'), b.strip('"')) for a, b in foreign) == sorted((t, r) for t, _, r, _ in care_db.FOREIGN_KEYS)


def test_types_and_values_as_in_the_real_base(loaded):
    _, _, dsn = loaded
    birth, age, nir = query(dsn, 'SELECT "Date", "Age", "Num_Secu" FROM "Patient" ORDER BY "Id_patient" LIMIT 1')[0]
    assert len(birth) == 10 and birth[2] == "/" and birth[5] == "/"
    assert len(nir) == 15 and 97 - int(nir[:13].replace("2A", "19").replace("2B", "18")) % 97 == int(nir[13:])
    bad_hours = query(dsn, 'SELECT count(*) FROM "Consultation" WHERE "Heure_fin" <= "Heure_debut" '
                           'OR "Heure_debut" < \'08:00\' OR "Heure_fin" > \'20:00\'')[0][0]
    assert bad_hours == 0
    unborn = query(dsn, 'SELECT count(*) FROM "Consultation" c JOIN "Patient" p USING ("Id_patient") '
                        'WHERE c."Date" < to_date(p."Date", \'DD/MM/YYYY\')')[0][0]
    assert unborn == 0


def test_drop_and_base_are_linked(loaded):
    landing, manifest, dsn = loaded
    base_professionals = {r[0] for r in query(dsn, 'SELECT "Identifiant" FROM "Professionnel_de_sante"')}
    with open(landing / sources.PROFESSIONAL_FILE, encoding="utf-8", newline="") as handle:
        file_ids = {row[0] for row in list(csv.reader(handle, delimiter=";"))[1:]}
    assert file_ids == base_professionals
    consulting = {r[0] for r in query(dsn, 'SELECT DISTINCT "Id_prof_sante" FROM "Consultation"')}
    assert consulting <= base_professionals

    sites = {r["identifiant_organisation"] for r in file_rows(landing / sources.ESTABLISHMENT_FILE)}
    activities = file_rows(landing / sources.ACTIVITY_FILE)
    assert {a["identifiant_organisation"] for a in activities} <= sites
    without = base_professionals - {a["identifiant"] for a in activities}
    wrong_activity_lines = manifest.file(sources.ACTIVITY_FILE).defects.get("wrong_field_count", {}).get("count", 0)
    expected = manifest.truth["professionals_without_activity"]["count"]
    assert expected > 0
    assert expected <= len(without) <= expected + wrong_activity_lines

    patients = {r[0] for r in query(dsn, 'SELECT "Id_patient" FROM "Patient"')}
    known_codes = {r[0] for r in query(dsn, 'SELECT "Code_diag" FROM "Diagnostic"')}
    with open(landing / sources.HOSPITALISATION_FILE, encoding="ascii", newline="") as handle:
        stays = list(csv.reader(handle, delimiter=";"))[1:]
    complete = [(n, r) for n, r in enumerate(stays, start=2) if len(r) == 7]
    assert {int(r[1]) for _, r in complete} <= patients
    assert {r[2] for _, r in complete} <= sites
    unknown = [n for n, r in complete if r[3] not in known_codes]
    assert unknown == manifest.file(sources.HOSPITALISATION_FILE).defects["unknown_diagnosis"]["lines"]

    finess_sites = {r["finess_site"] for r in file_rows(landing / sources.ESTABLISHMENT_FILE)}
    with open(landing / "satisfaction/2019/resultats-esatis48h-mco-open-data-2019.csv", encoding="cp1252", newline="") as handle:
        scores = [r for r in list(csv.reader(handle, delimiter=";"))[1:] if len(r) == 25]
    assert {r[2] for r in scores} <= finess_sites


def test_reloading_replaces_the_tables(tmp_path, pg_dsn):
    _, first = run(tmp_path / "a", source_dsn=pg_dsn, load_database=True)
    _, second = run(tmp_path / "b", source_dsn=pg_dsn, load_database=True, seed=12)
    counts = {t: query(pg_dsn, f'SELECT count(*) FROM "{t}"')[0][0] for t in sources.CARE_TABLES}
    assert counts == second.tables
    assert first.tables["Patient"] == second.tables["Patient"]
