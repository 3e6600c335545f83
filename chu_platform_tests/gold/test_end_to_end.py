"""Generated sources -> bronze -> silver -> gold, compared with an independent computation
straight from the generated files, the care database and the generator's own truth."""

from pathlib import Path

import dagster as dg
import polars as pl
import psycopg2
import pytest

from chu_platform.orchestration.build_target import range_tags
from chu_platform.defs import jobs
from chu_platform.generate import Rates, generate
from chu_platform_tests.gold import pipeline

YEARS = (2019, 2020)
# Every semantic defect the generator injects, often; no line damage (those lines are bronze
# rejects by design, so the truth would no longer be reachable from gold).
RATES = Rates(death_duplicate=0.02, death_late=0.03, unknown_date_part=0.02, stray_bytes=0.0, truncated_line=0.0,
              overlong_line=0.0, wrong_field_count=0.0, impossible_date=0.02, unknown_diagnosis=0.05,
              noncanonical_region=0.5, unscored_establishment=0.2, professional_without_activity=0.05)


def _definitions(data: Path, dsn: str) -> dg.Definitions:
    import chu_platform.defs as package
    from chu_platform.defs.bronze.resources import DropResource

    resources = pipeline.resources(data, dsn)
    resources["drop"] = DropResource(landing_dir=str(data / "landing"))
    return dg.load_definitions_from_package_module(package, resources=resources)


def _run(defs: dg.Definitions) -> list[dg.ExecuteInProcessResult]:
    """The build jobs' runs up to gold, each over the two years (silver/deaths reads every year of
    bronze/deaths, late declarations, within its run)."""
    graph = defs.resolve_asset_graph()
    assets = [*defs.assets, *(defs.asset_checks or [])]
    results = []
    for job, selection in jobs.selections(graph).items():
        if job == jobs.PUBLISH:
            continue
        keys = [k for k in selection.resolve(graph) if graph.get(k).is_materializable]
        results.append(dg.materialize(assets, selection=keys, tags=range_tags(YEARS), resources=defs.resources,
                                      raise_on_error=False))
    assert len(results) == 3
    return results


@pytest.fixture(scope="module")
def generated(module_env, module_pg_dsn):
    manifest = generate(module_env / "landing", scale=0.002, seed=5, source_dsn=module_pg_dsn, years=YEARS, rates=RATES)
    results = _run(_definitions(module_env, module_pg_dsn))
    assert all(r.success for r in results)
    return module_env, module_pg_dsn, manifest, results


def _sql(dsn: str, query: str) -> list[tuple]:
    with psycopg2.connect(dsn) as con, con.cursor() as cur:
        cur.execute(query)
        return cur.fetchall()


def test_gold_equals_independent_computation(generated):
    data, dsn, manifest, results = generated
    deces = pipeline.read(data, "gold", "fact_deces")
    assert {str(y): n for y, n in deces.group_by("year").len().rows()} == manifest.truth["deaths_by_year"]

    consultations = pipeline.read(data, "gold", "fact_consultation")
    expected = _sql(dsn, """SELECT extract(year FROM "Date")::int, count(*),
                                   round(avg(extract(epoch FROM "Heure_fin" - "Heure_debut") / 60)::numeric, 6)
                            FROM "Consultation" GROUP BY 1 ORDER BY 1""")
    got = consultations.group_by("year").agg(pl.len(), pl.col("duree_minutes").mean().round(6)).sort("year").rows()
    assert [(y, n, float(m)) for y, n, m in expected] == got

    activity = pl.read_csv(data / "landing" / "activite_professionnel_sante.csv", separator=";", infer_schema=False)
    linked = set(activity["identifiant"].to_list())
    professionals = [p for (p,) in _sql(dsn, 'SELECT "Id_prof_sante" FROM "Consultation"')]
    assert consultations["etablissement_key"].null_count() == sum(p not in linked for p in professionals)

    stays = pl.read_csv(data / "landing" / "Hospitalisations.csv", separator=";", infer_schema=False).with_columns(
        pl.col("Date_Entree").str.to_date("%d/%m/%Y", strict=False).dt.year().alias("year"),
        pl.col("Jour_Hospitalisation").cast(pl.Int64))
    stays = stays.filter(pl.col("year").is_in(YEARS)).group_by("year").agg(pl.len(), pl.col("Jour_Hospitalisation").sum())
    gold_stays = pipeline.read(data, "gold", "fact_hospitalisation").group_by("year").agg(
        pl.len(), pl.col("duree_sejour_jours").sum().cast(pl.Int64))
    assert gold_stays.sort("year").rows() == stays.sort("year").rows()

    codes = {c for (c,) in _sql(dsn, 'SELECT "Code_diag" FROM "Diagnostic"')}
    raw = pl.read_csv(data / "landing" / "Hospitalisations.csv", separator=";", infer_schema=False).filter(
        pl.col("Date_Entree").str.to_date("%d/%m/%Y", strict=False).dt.year().is_in(YEARS))
    unknown = raw.filter(~pl.col("Code_diagnostic").is_in(list(codes))).height
    assert (pipeline.read(data, "gold", "fact_hospitalisation")["diagnostic_key"] == -1).sum() == unknown

    patients = pipeline.read(data, "gold", "dim_patient").filter(pl.col("patient_key") != -1)
    by_sex = dict(_sql(dsn, """SELECT CASE WHEN "Sexe" IN ('M','1','H') THEN 'M' ELSE 'F' END, count(*)
                               FROM "Patient" GROUP BY 1"""))
    assert dict(patients.group_by("sexe").len().rows()) == by_sex

    esatis = pl.read_csv(data / "landing" / "satisfaction" / "2019" / "resultats-esatis48h-mco-open-data-2019.csv",
                         separator=";", encoding="windows-1252", infer_schema=False)
    answers = esatis["nb_rep_score_all_rea_ajust"].cast(pl.Float64, strict=False).sum()
    satisfaction = pipeline.read(data, "gold", "fact_satisfaction", [2019])
    assert satisfaction.height == esatis.height
    assert satisfaction["nb_reponses"].sum() == answers


def test_contracts_integrity_and_reconciliation_hold_on_generated_data(generated):
    *_, results = generated
    outcomes = pipeline.check_outcomes(results)
    must_pass = [n for n in outcomes if n.endswith(("_contract", "_keys_in_dimensions", "_reconciles_with_silver"))]
    assert len(must_pass) >= 24
    assert [n for n in must_pass if not all(outcomes[n])] == []
