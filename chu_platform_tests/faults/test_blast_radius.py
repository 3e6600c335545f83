"""A bad file fails its own source's assets only: the facts, marts and warehouse of the other
sources still build, and the message names the file."""

import uuid

import pytest

from chu_platform.generate import generate
from chu_platform.lib import delta_store
from chu_platform_tests.faults.conftest import CLEAN, SCALE, chu, query

YEARS = (2019, 2020)


@pytest.fixture(scope="module")
def broken_run(tmp_path_factory, pg_server_dsn):
    """A first load where etablissement_sante.csv is empty, professionnel_sante.csv is binary
    garbage, the 2020 e-Satis workbook corrupt and the 2019 e-Satis CSV has its finess column
    renamed; every other source is good."""
    from chu_platform.lib import postgres

    data = tmp_path_factory.mktemp("blast") / "data"
    name = "chu_test_" + uuid.uuid4().hex[:12]
    dsn = postgres.create_database(pg_server_dsn, name)
    with pytest.MonkeyPatch.context() as patch:
        for variable, value in {"CHU_DATA_DIR": str(data), "CHU_LANDING_DIR": str(data / "landing"),
                                "CHU_LAKE_URI": "", "CHU_SOURCE_DSN": dsn,
                                "CHU_PSEUDONYM_KEY": "test-key-not-secret"}.items():
            patch.setenv(variable, value)
        patch.delenv("DAGSTER_HOME", raising=False)
        patch.delenv("DAGSTER_PG_URL", raising=False)
        landing = data / "landing"
        manifest = generate(landing, scale=SCALE, seed=5, source_dsn=dsn, years=YEARS, rates=CLEAN)
        (landing / "etablissement_sante.csv").write_bytes(b"")
        (landing / "professionnel_sante.csv").write_bytes(b"\x00\x01 not a directory \xff" * 50)
        (workbook,) = landing.rglob("*2020.xlsx")
        workbook.write_bytes(workbook.read_bytes()[:3000])
        (csv,) = landing.rglob("*2019.csv")
        text = csv.read_bytes()
        header, _, body = text.partition(b"\n")
        csv.write_bytes(header.replace(b"finess;", b"numero_finess;", 1) + b"\n" + body)
        result = chu("run")
        yield data, manifest, result
    postgres.drop_database(pg_server_dsn, name)


def test_the_run_fails_naming_the_bad_files(broken_run):
    _, _, result = broken_run
    assert result.exit_code == 1
    failed = [line for line in result.output.splitlines() if "FAILED" in line or "not materialised" in line]
    assert any("bronze/establishments" in line for line in failed), result.output
    assert any("bronze/professionals" in line for line in failed), result.output
    assert any("[2020]" in line and "bronze/satisfaction" in line for line in failed), result.output
    assert any("[2019]" in line and "bronze/satisfaction" in line for line in failed), result.output


def test_other_sources_facts_marts_and_warehouse_still_build(broken_run):
    data, manifest, _ = broken_run
    lake = data / "lake"
    for year in YEARS:
        consultations = query("consultations_by_diagnosis", year)
        assert sum(r["numerator"] for r in consultations) == manifest.truth["consultations_by_year"][str(year)]
        assert sum(r["numerator"] for r in query("deaths_by_region", year)) == manifest.truth["deaths_by_year"][str(year)]
    stays = delta_store.read(str(lake / "gold" / "fact_hospitalisation"))
    assert stays.height == sum(manifest.truth["hospitalisations_by_year"][str(y)] for y in YEARS)
    # Establishments unknown without their file: the stays point at the unknown member.
    assert stays["etablissement_key"].unique().to_list() == [-1]
    # Professionals unknown without their file on a first load: the consultations still count.
    consultations = delta_store.read(str(lake / "gold" / "fact_consultation"))
    assert consultations.height == sum(manifest.truth["consultations_by_year"][str(y)] for y in YEARS)
    assert consultations["professionnel_key"].unique().to_list() == [-1]
    assert (data / "warehouse.duckdb").exists()
    assert not (lake / "gold" / "fact_satisfaction").exists()
    assert delta_store.read(str(lake / "marts" / "hospitalisation_rate")).height > 0
