"""Generated sources -> `chu run` -> the analyses, each checked against a computation made
directly from the generated files and the care database (never through our gold tables)."""

import csv
import json
import uuid
from collections import Counter, defaultdict
from datetime import date

import psycopg2
import pytest
from click.testing import CliRunner
from polars.testing import assert_frame_equal

from chu_platform import reference
from chu_platform.cli import cli
from chu_platform.generate import Rates, generate
from chu_platform.layers.marts.analyses import ANALYSES, connect_gold, run_analysis, serving_path, years_present
from chu_platform.layers.marts.periods import Period

YEARS = (2019, 2020)
# Semantic defects often; no damaged lines (those become bronze rejects by design and would
# have to be re-derived here too).
RATES = Rates(death_duplicate=0.02, death_late=0.03, unknown_date_part=0.0, stray_bytes=0.0, truncated_line=0.0,
              overlong_line=0.0, wrong_field_count=0.0, impossible_date=0.0, unknown_diagnosis=0.02,
              noncanonical_region=0.5, unscored_establishment=0.2, professional_without_activity=0.05)
CROSS_YEAR = Period(date(2019, 7, 1), date(2020, 6, 30))


@pytest.fixture(scope="module")
def platform(tmp_path_factory, pg_server_dsn):
    from chu_platform.lib import postgres

    data = tmp_path_factory.mktemp("e2e") / "data"
    name = "chu_test_" + uuid.uuid4().hex[:12]
    dsn = postgres.create_database(pg_server_dsn, name)
    with pytest.MonkeyPatch.context() as patch:
        for name, value in {"CHU_DATA_DIR": str(data), "CHU_LANDING_DIR": str(data / "landing"), "CHU_LAKE_URI": "",
                            "CHU_SOURCE_DSN": dsn, "CHU_PSEUDONYM_KEY": "test-key-not-secret"}.items():
            patch.setenv(name, value)
        patch.delenv("DAGSTER_HOME", raising=False)
        patch.delenv("DAGSTER_PG_URL", raising=False)
        generate(data / "landing", scale=0.003, seed=11, source_dsn=dsn, years=YEARS, rates=RATES)
        result = CliRunner().invoke(cli, ["run"], catch_exceptions=False)
        assert result.exit_code == 0, result.output
        yield data, dsn, connect_gold(str(data / "lake"))
    postgres.drop_database(pg_server_dsn, name)


def _sql(dsn: str, query: str) -> list[tuple]:
    with psycopg2.connect(dsn) as con, con.cursor() as cur:
        cur.execute(query)
        return cur.fetchall()


def _in(period: Period, day: date) -> bool:
    return period.start <= day <= period.end


def _consultations(dsn, period):
    rows = _sql(dsn, 'SELECT "Id_patient", "Id_prof_sante", "Code_diag", "Date" FROM "Consultation"')
    return [r for r in rows if _in(period, r[3])]


def _patients(dsn) -> dict:
    rows = _sql(dsn, 'SELECT "Id_patient", "Sexe", "Date" FROM "Patient"')
    return {str(i): ("M" if s in ("M", "1", "H") else "F", int(born[-4:])) for i, s, born in rows}


def _stays(data, period):
    with open(data / "landing" / "Hospitalisations.csv", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle, delimiter=";"))
    out = []
    for r in rows:
        day, month, year = (int(x) for x in r["Date_Entree"].split("/"))
        if _in(period, date(year, month, day)):
            out.append({**r, "year": year})
    return out


@pytest.mark.parametrize("period", [Period.year(2020), CROSS_YEAR], ids=str)
def test_consultations_by_diagnosis_and_professional(platform, period):
    data, dsn, con = platform
    labels = dict(_sql(dsn, 'SELECT "Code_diag", "Diagnostic" FROM "Diagnostic"'))
    rows = _consultations(dsn, period)
    by_label = Counter(labels.get(code, "Diagnostic inconnu") for _, _, code, _ in rows)
    got = run_analysis(con, "consultations_by_diagnosis", period)
    assert dict(got.select("libelle", "numerator").rows()) == dict(by_label)
    assert got["denominator"].unique().to_list() == [len(rows)]

    by_professional = Counter(prof for _, prof, _, _ in rows)
    got = run_analysis(con, "consultations_by_professional", period).filter(level="professional")
    assert dict(got.select("identifiant", "numerator").rows()) == dict(by_professional)


def test_consultations_by_establishment(platform):
    data, dsn, con = platform
    with open(data / "landing" / "activite_professionnel_sante.csv", encoding="utf-8") as handle:
        linked = {r["identifiant"] for r in csv.DictReader(handle, delimiter=";")}
    rows = _consultations(dsn, Period.year(2020))
    got = run_analysis(con, "consultations_by_establishment", Period.year(2020))
    unknown = got.filter(got["finess"].is_null())
    assert unknown["numerator"].sum() == sum(prof not in linked for _, prof, _, _ in rows)
    assert got["numerator"].sum() == len(rows) and got["denominator"].unique().to_list() == [len(rows)]


@pytest.mark.parametrize("period", [Period.year(2020), CROSS_YEAR], ids=str)
def test_hospitalisation_rate_and_by_diagnosis(platform, period):
    data, dsn, con = platform
    patients = _patients(dsn)
    stays = _stays(data, period)
    hospitalised = {s["Id_patient"] for s in stays if s["Id_patient"] in patients}
    seen = hospitalised | {str(p) for p, _, _, _ in _consultations(dsn, period) if str(p) in patients}
    got = run_analysis(con, "hospitalisation_rate", period)
    assert got.select("numerator", "denominator").rows() == [(len(hospitalised), len(seen))]

    known = {code for (code,) in _sql(dsn, 'SELECT "Code_diag" FROM "Diagnostic"')}
    codes = Counter(s["Code_diagnostic"] if s["Code_diagnostic"] in known else "unknown" for s in stays)
    got = run_analysis(con, "hospitalisations_by_diagnosis", period)
    assert dict(got.select("code_diag", "numerator").rows()) == dict(codes)
    assert got["denominator"].unique().to_list() == [len(stays)]


def _band(age: int) -> str:
    for upper, band in ((0, "unknown"), (18, "0-17"), (40, "18-39"), (65, "40-64"), (80, "65-79")):
        if age < upper:
            return band
    return "80+"


def test_hospitalisations_by_sex_and_age(platform):
    data, dsn, con = platform
    period = Period.year(2020)
    patients = _patients(dsn)
    seen, hospitalised = defaultdict(set), defaultdict(set)
    contacts = [(str(p), day.year, False) for p, _, _, day in _consultations(dsn, period)]
    contacts += [(s["Id_patient"], s["year"], True) for s in _stays(data, period)]
    for patient, year, stay in contacts:
        if patient not in patients:
            continue
        sexe, born = patients[patient]
        for group in ((sexe, _band(year - born)), (sexe, "all"), ("all", _band(year - born))):
            seen[group].add(patient)
            if stay:
                hospitalised[group].add(patient)
    got = run_analysis(con, "hospitalisations_by_sex_age", period)
    assert {(r[0], r[1]): (r[2], r[3]) for r in got.select("sexe", "age_band", "numerator", "denominator").rows()} == {
        g: (len(hospitalised[g]), len(seen[g])) for g in seen}


def _region_of_code(code: str, regions: dict) -> str:
    code = code.strip()
    if not code:
        return "unknown"
    if code.startswith("99"):
        return "abroad"
    departement = code[:3] if code.startswith("97") else ("20" if code[:2] in ("2A", "2B") else code[:2])
    return regions.get({"20": "2A"}.get(departement, departement), "unknown")


def test_deaths_by_region(platform):
    data, _, con = platform
    regions = dict(reference.departements().select("departement_code", "region_code").rows())
    people = set()
    for path in sorted((data / "landing" / "deces").glob("deces-*.txt")):
        people |= {line.rstrip("\r\n") for line in path.read_text(encoding="utf-8", errors="replace").splitlines() if line.strip()}
    deaths = Counter(_region_of_code(line[162:167], regions) for line in people if line[154:158] == "2020")
    manifest = json.loads((data / "generation-manifest.json").read_text())
    assert sum(deaths.values()) == manifest["truth"]["deaths_by_year"]["2020"]
    got = run_analysis(con, "deaths_by_region", Period.year(2020))
    assert dict(got.select("region_code", "deaths").rows()) == dict(deaths)


def test_satisfaction_by_region(platform):
    data, _, con = platform
    regions = dict(reference.departements().select("departement_code", "region_code").rows())
    path = data / "landing" / "satisfaction" / "2019" / "resultats-esatis48h-mco-open-data-2019.csv"
    with open(path, encoding="cp1252") as handle:
        rows = list(csv.DictReader(handle, delimiter=";"))
    groups = defaultdict(list)
    for r in rows:
        score, answers = r["score_all_rea_ajust"].replace(",", "."), r["nb_rep_score_all_rea_ajust"]
        if score and answers and int(float(answers)) > 0:
            finess = r["finess_geo"]
            departement = finess[:2] + finess[3] if finess.startswith("97") else finess[:2]
            groups[regions[departement]].append((float(score), int(float(answers))))
    got = run_analysis(con, "satisfaction_by_region", Period.year(2019))
    assert {r[0]: (pytest.approx(r[1]), r[2], r[3]) for r in got.select(
        "region_code", "score", "nb_reponses", "nb_etablissements").rows()} == {
        region: (sum(s * n for s, n in v) / sum(n for _, n in v), sum(n for _, n in v), len(v))
        for region, v in groups.items()}


def test_chu_run_leaves_every_aggregate_current(platform):
    """The whole-year answers above came from the pre-aggregates `chu run` built, not the facts."""
    _, _, con = platform
    for name in ANALYSES:
        for year in years_present(con, name):
            assert serving_path(con, name, Period.year(year)) == ("aggregate", f"gold/agg_{name}"), (name, year)
            assert_frame_equal(run_analysis(con, name, Period.year(year)),
                               run_analysis(con, name, Period.year(year), use_aggregates=False))


def test_every_table_reports_dagsters_standard_row_count_and_schema(platform):
    """Each materialisation of a bronze, silver, gold or mart table carries ``dagster/row_count``
    and ``dagster/column_schema`` and no second row count of its own."""
    import dagster as dg

    data, _, _ = platform
    with dg.DagsterInstance.from_config(str(data / "dagster")) as instance:
        keys = [k for k in instance.get_asset_keys() if k.path[0] in ("bronze", "silver", "gold", "marts")]
        tables = [k for k in keys if k.path[-1] not in ("dashboard", "export", "warehouse", "analysts_warehouse")]
        assert len(tables) > 30, tables
        wrong = {}
        for key in tables:
            records = instance.fetch_materializations(key, limit=1).records
            assert records, key
            metadata = set(records[0].asset_materialization.metadata)
            if not {"dagster/row_count", "dagster/column_schema"} <= metadata or {"rows", "row_count"} & metadata:
                wrong[key.to_user_string()] = sorted(metadata)
        assert not wrong, wrong
