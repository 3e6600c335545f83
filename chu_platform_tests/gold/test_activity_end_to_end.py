"""Generated sources -> bronze -> silver -> gold -> the activity indicators (length of stay,
readmissions, census, medication use) and gold/fact_prescription, each compared with a
computation made directly from Hospitalisations.csv, the establishment file and the care
database, never through the platform's tables."""

import csv
from collections import Counter, defaultdict
from datetime import date, datetime, timedelta

import dagster as dg
import numpy as np
import polars as pl
import pytest
from click.testing import CliRunner

from chu_platform.cli import cli
from chu_platform.generate import Rates, generate
from chu_platform.lib import delta_store
from chu_platform.layers.marts import activity, analyses
from chu_platform_tests.gold import pipeline
from chu_platform_tests.gold.test_end_to_end import _definitions, _run, _sql

YEARS = (2019, 2020)
CLEAN = Rates(death_duplicate=0.0, death_late=0.0, unknown_date_part=0.0, stray_bytes=0.0, truncated_line=0.0,
              overlong_line=0.0, wrong_field_count=0.0, impossible_date=0.0, unknown_diagnosis=0.02,
              noncanonical_region=0.0, unscored_establishment=0.0, professional_without_activity=0.05)
RANGE_TAGS = {"dagster/asset_partition_range_start": "2019", "dagster/asset_partition_range_end": "2020"}


@pytest.fixture(scope="module")
def built(module_env, module_pg_dsn):
    generate(module_env / "landing", scale=0.02, seed=6, source_dsn=module_pg_dsn, years=YEARS, rates=CLEAN)
    defs = _definitions(module_env, module_pg_dsn)
    assert all(r.success for r in _run(defs))
    return module_env, module_pg_dsn, defs


@pytest.fixture(scope="module")
def gold(built):
    data, _, _ = built
    tables = {t for i in activity.INDICATORS.values() for t in i.reads}
    return analyses.connect_gold(str(data / "lake"), tables=sorted(tables))


@pytest.fixture(scope="module")
def stays(built):
    """Each stay of the file: (patient, FINESS, admission, days), admissions of every year. (Seed 6
    at this scale gives a readmission and stays that cross 31 December 2019: the tests say so.)"""
    data, _, _ = built
    with open(data / "landing" / "etablissement_sante.csv", encoding="utf-8") as handle:
        finess = {r["identifiant_organisation"]: r["finess_site"] for r in csv.DictReader(handle, delimiter=";")}
    with open(data / "landing" / "Hospitalisations.csv", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle, delimiter=";"))
    return [(r["Id_patient"], finess.get(r["identifiant_organisation"]),
             datetime.strptime(r["Date_Entree"], "%d/%m/%Y").date(), int(r["Jour_Hospitalisation"])) for r in rows]


def _rows(df: pl.DataFrame, level: str, year: int) -> pl.DataFrame:
    return df.filter((pl.col("level") == level) & (pl.col("year") == year))


def test_length_of_stay_equals_the_file(gold, stays):
    got = activity.get("length_of_stay").build(gold)
    for year in YEARS:
        lengths = defaultdict(list)
        for _, site, entry, days in stays:
            if entry.year == year:
                lengths[site].append(days)
                lengths["all"].append(days)
        group = _rows(got, "group", year).row(0, named=True)
        assert group["stays"] == len(lengths["all"])
        assert group["mean_days"] == pytest.approx(np.mean(lengths["all"]))
        assert group["median_days"] == pytest.approx(np.percentile(lengths["all"], 50))
        assert group["p90_days"] == pytest.approx(np.percentile(lengths["all"], 90))
        sites = {r["finess"]: r for r in _rows(got, "establishment", year).iter_rows(named=True)}
        assert set(sites) == set(lengths) - {"all"} and sites, year
        for site, values in lengths.items():
            if site != "all":
                assert sites[site]["stays"] == len(values)
                assert sites[site]["p90_days"] == pytest.approx(np.percentile(values, 90))
        chapters = _rows(got, "chapter", year)
        assert chapters["stays"].sum() == len(lengths["all"])
    change = _rows(got, "group", 2020)["mean_change"].item()
    assert change == pytest.approx(_rows(got, "group", 2020)["mean_days"].item() - _rows(got, "group", 2019)["mean_days"].item())


def test_readmissions_equal_the_file_across_the_year_boundary(gold, stays):
    admissions = defaultdict(list)
    for patient, _, entry, _ in stays:
        admissions[patient].append(entry)
    expected = Counter()
    crossing = 0
    for patient, site, entry, days in stays:
        out = entry + timedelta(days=days)
        if out.year not in YEARS:
            continue
        again = [a for a in admissions[patient] if 1 <= (a - out).days <= 30]
        expected[(out.year, "all", "stays")] += 1
        expected[(out.year, site, "stays")] += 1
        if again:
            expected[(out.year, "all", "readmitted")] += 1
            expected[(out.year, site, "readmitted")] += 1
            crossing += any(a.year > out.year for a in again)
    assert crossing > 0, "no readmission crosses 31 December: the test would not see a year-bound mistake"
    got = activity.get("readmissions_30d").build(gold)
    establishments = 0
    for year in YEARS:
        group = _rows(got, "group", year).row(0, named=True)
        assert (group["stays"], group["readmitted"]) == (expected[(year, "all", "stays")],
                                                         expected[(year, "all", "readmitted")])
        for r in _rows(got, "establishment", year).iter_rows(named=True):
            assert (r["stays"], r["readmitted"]) == (expected[(year, r["finess"], "stays")],
                                                     expected[(year, r["finess"], "readmitted")])
            establishments += 1
    assert establishments > 0, "no establishment row to compare"
    assert 0.05 < _rows(got, "group", 2020)["rate"].item() < 0.25


def test_census_equals_the_file_with_stays_across_new_year(gold, stays):
    nights = Counter()
    crossing = 0
    for _, site, entry, days in stays:
        crossing += entry.year == 2019 and (entry + timedelta(days=days - 1)).year == 2020
        for d in range(days):
            nights[(site, entry + timedelta(days=d))] += 1
    assert crossing > 0, "no stay crosses 31 December 2019"
    got = activity.get("census").build(gold)
    calendar = [date(2019, 1, 1) + timedelta(days=i) for i in range((date(2020, 12, 31) - date(2019, 1, 1)).days + 1)]
    sites = {s for _, s, _, _ in stays}
    for site in sites:
        series = np.array([nights[(site, d)] for d in calendar])
        p95 = np.percentile(series, 95)
        for year in YEARS:
            in_year = np.array([d.year == year for d in calendar])
            row = got.filter((pl.col("finess") == site) & (pl.col("year") == year)).row(0, named=True)
            assert row["peak_census"] == series[in_year].max()
            assert row["mean_census"] == pytest.approx(series[in_year].mean())
            assert row["p95_census"] == pytest.approx(p95)
            assert row["saturation_days"] == int((series[in_year] > p95).sum())
    new_year = sum(n for (site, d), n in nights.items() if d == date(2020, 1, 1))
    assert new_year > 0
    assert got["occupancy_rate"].is_null().all()


def test_medication_use_equals_the_care_database(built, gold):
    _, dsn, _ = built
    got = activity.get("medication_use").build(gold)
    for year in YEARS:
        consultations = _sql(dsn, f'SELECT count(*) FROM "Consultation" WHERE extract(year FROM "Date") = {year}')[0][0]
        counted = _sql(dsn, f"""SELECT p."Code_CIS", count(*) FROM "Prescription" p
                                JOIN "Consultation" c USING ("Num_consultation")
                                WHERE extract(year FROM c."Date") = {year} GROUP BY 1""")
        total = sum(n for _, n in counted)
        group = _rows(got, "group", year).row(0, named=True)
        assert (group["consultations"], group["prescriptions"]) == (consultations, total)
        assert group["per_consultation"] == pytest.approx(total / consultations)
        top = sorted(counted, key=lambda r: (-r[1], r[0]))[: activity.TOP_MEDICINES]
        assert _rows(got, "top", year).select("code_cis", "prescriptions").rows() == top


def test_fact_prescription_equals_the_database_and_a_two_year_run_equals_two_runs(built):
    data, dsn, defs = built
    fact = pipeline.read(data, "gold", "fact_prescription")
    expected = dict(_sql(dsn, """SELECT extract(year FROM c."Date")::int, count(*) FROM "Prescription" p
                                 JOIN "Consultation" c USING ("Num_consultation") GROUP BY 1"""))
    assert dict(fact.group_by("year").len().rows()) == {y: expected[y] for y in YEARS}
    assert (fact["medicament_key"] == -1).sum() == 0
    medicines = pipeline.read(data, "gold", "dim_medicament")
    assert medicines.height - 1 == _sql(dsn, 'SELECT count(*) FROM "Medicaments"')[0][0]

    keys = [dg.AssetKey(["silver", "prescriptions"]), dg.AssetKey(["gold", "fact_prescription"])]
    # The assets alone: the tables' checks still evaluate one year at a time.
    result = dg.materialize([*defs.assets], selection=keys, resources=defs.resources, tags=RANGE_TAGS, raise_on_error=False)
    assert result.success
    again = pipeline.read(data, "gold", "fact_prescription")
    assert again.sort("consultation_id", "medicament_key").equals(fact.sort("consultation_id", "medicament_key"))
    uri = delta_store.table_uri(str(data / "lake"), ["gold", "fact_prescription"])
    assert {len(delta_store.current_files(uri, years=[y])) for y in YEARS} == {1}


def test_chu_query_and_the_warehouse_agree(built):
    import duckdb

    from chu_platform.defs.warehouse import build_warehouse_asset

    data, _, defs = built
    marts = [dg.AssetKey(["marts", n]) for n in activity.INDICATORS]
    warehouse = build_warehouse_asset(marts)
    result = dg.materialize([*defs.assets, warehouse], selection=[*marts, dg.AssetKey(["marts", "warehouse"])],
                            resources=defs.resources, raise_on_error=False)
    assert result.success
    with duckdb.connect(str(data / "warehouse.duckdb"), read_only=True) as con:
        for name in activity.INDICATORS:
            shown = CliRunner().invoke(cli, ["query", name, "--year", "2020", "--format", "csv"], catch_exceptions=False)
            assert shown.exit_code == 0, shown.output
            from_cli = pl.read_csv(shown.output.encode(), infer_schema_length=None)
            stored = pl.from_arrow(con.sql(f'SELECT * FROM "{name}" WHERE year = 2020').to_arrow_table())
            assert from_cli.height == stored.height > 0
            for column in ("stays", "readmitted", "peak_census", "prescriptions"):
                if column in stored.columns:
                    cli_values = [None if v in (None, "<10") else int(float(v)) for v in from_cli[column].cast(pl.String).to_list()]
                    assert cli_values == stored[column].to_list()
