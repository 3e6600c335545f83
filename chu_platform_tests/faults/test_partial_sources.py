"""Sources are independent: each analysis answers as soon as its own sources are delivered;
a missing dimension source gives unknown members and a warning, never a failed run."""

import polars as pl
import pytest

from chu_platform.generate import generate
from chu_platform.schemas.sources import bronze_column
from chu_platform_tests.faults.conftest import CLEAN, SCALE, YEAR, chu, deliver, query


def _deaths_in_register(landing) -> int:
    return sum(1 for _ in open(landing / "deces" / f"deces-{YEAR}.txt", encoding="utf-8"))


def _esatis(landing) -> pl.DataFrame:
    """The year's e-Satis rows with a global score, read directly from the delivered file."""
    (path,) = [p for p in landing.rglob(f"*{YEAR}*") if "esatis" in p.name.lower()]
    if path.suffix == ".xlsx":
        frame = pl.read_excel(path, infer_schema_length=0)
    else:
        frame = pl.read_csv(path, separator=";", infer_schema_length=0, encoding="utf8-lossy")
    frame = frame.rename({c: bronze_column(c) for c in frame.columns})
    return frame.filter(pl.col("score_all_rea_ajust").is_not_null() & (pl.col("score_all_rea_ajust") != ""))


def _check_deaths(landing) -> None:
    rows = query("deaths_by_region")
    assert sum(r["numerator"] for r in rows) == _deaths_in_register(landing)


def _check_satisfaction(landing) -> None:
    expected = _esatis(landing)
    rows = query("satisfaction_by_region")
    assert sum(r["nb_etablissements"] for r in rows) == expected.height
    assert sum(r["nb_reponses"] for r in rows) == expected["nb_rep_score_all_rea_ajust"].cast(pl.Int64).sum()
    # The region comes from each establishment's FINESS number, no establishments file needed.
    assert all(r["region_code"] not in (None, "unknown") for r in rows)


@pytest.mark.parametrize(
    "delivered, checks, missing",
    [
        (("deces", "satisfaction"), (_check_deaths, _check_satisfaction), ("establishments missing", "care missing")),
        (("deces",), (_check_deaths,), ("care missing", "hospitalisations missing", "satisfaction missing")),
        (("satisfaction",), (_check_satisfaction,), ("establishments missing", "deaths missing")),
    ],
    ids=["deaths+esatis", "deaths-alone", "esatis-alone"],
)
def test_file_sources_alone_answer_their_analyses(chu_env, generated_drop, delivered, checks, missing):
    landing = deliver(generated_drop, chu_env, *delivered)
    result = chu("run")
    assert result.exit_code == 0, result.output
    assert "FAILED" not in result.output and "checks failed" not in result.output
    warnings = [line for line in result.output.splitlines() if line.startswith("warn  ")]
    for name in missing:
        assert any(name in w for w in warnings), (name, warnings)
    for check in checks:
        check(landing)


def test_care_database_alone_answers_consultations(chu_env, pg_dsn, monkeypatch, tmp_path):
    monkeypatch.setenv("CHU_SOURCE_DSN", pg_dsn)
    manifest = generate(tmp_path / "generated", scale=SCALE, seed=5, years=(YEAR,), rates=CLEAN, source_dsn=pg_dsn)
    (chu_env / "landing").mkdir(parents=True)
    result = chu("run")
    assert result.exit_code == 0, result.output
    assert "FAILED" not in result.output
    output = result.output
    assert "warn  establishments missing" in output and "dim_etablissement, dim_professionnel built without it" in output
    assert "warn  hospitalisations missing (no Hospitalisations.csv delivered): analyses not built: " in output
    consultations = manifest.truth["consultations_by_year"][str(YEAR)]
    by_diagnosis = query("consultations_by_diagnosis")
    assert sum(r["numerator"] for r in by_diagnosis) == consultations
    # No establishments file: every consultation falls to the unknown establishment.
    by_establishment = query("consultations_by_establishment")
    assert [r["finess"] for r in by_establishment] == [None]
    assert by_establishment[0]["numerator"] == consultations
