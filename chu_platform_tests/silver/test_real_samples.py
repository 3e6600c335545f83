"""The silver builders on the real files of shared/real_samples, read as bronze would hold them."""

from pathlib import Path

import polars as pl
import pytest

from chu_platform.layers.silver import deaths, hospitalisations, satisfaction
from chu_platform.schemas.sources import bronze_column

SAMPLES = Path(__file__).resolve().parents[3] / "shared" / "real_samples"



@pytest.fixture(autouse=True)
def _samples_present():
    if not SAMPLES.exists():
        pytest.fail(f"{SAMPLES} is missing: these tests need the shared/ folder beside the checkout (as in CI)")


def _bronze(path: Path, separator: str, encoding: str = "utf8") -> pl.DataFrame:
    df = pl.read_csv(path, separator=separator, encoding=encoding, infer_schema=False)
    df = df.rename({c: bronze_column(c) for c in df.columns})
    return df.with_columns(pl.lit(path.name).alias("_source_file"), pl.int_range(1, df.height + 1).alias("_source_row"))


def test_real_esatis_2019_and_2017():
    y2019 = satisfaction.build_satisfaction(
        _bronze(SAMPLES / "chu_satisfaction_has/2019/resultats-esatis48h-mco-open-data-2019.csv", ";", "windows-1252"), 2019)
    assert y2019.height > 1100
    assert y2019["score_global"].drop_nulls().is_between(0, 100).all()
    assert (y2019["region_code"] == "unknown").sum() == 0
    y2017 = satisfaction.build_satisfaction(
        _bronze(SAMPLES / "chu_satisfaction_has/ESATIS48H_MCO_recueil2017_donnees.csv", ";", "windows-1252"), 2017)
    assert y2017["taux_recommandation"].is_null().all()  # the 2017 file has no such column
    assert y2017["score_global"].drop_nulls().len() > 500


def test_real_hospitalisations_all_placed():
    typed = hospitalisations.type_hospitalisations(_bronze(SAMPLES / "chu_hospitalisations/Hospitalisations.csv", ";"), "k")
    assert typed.height == 2479
    assert hospitalisations.unplaceable(typed).height == 0
    assert typed["code_diag"].null_count() == 0


def test_real_deaths_1970():
    register = _bronze(SAMPLES / "insee_deces/deces-1970_cleaned.csv", ",").with_columns(pl.lit(1970).alias("year"))
    df = deaths.build_deaths(register, "k")
    assert df.height <= register.height
    assert (df["year"] == 1970).mean() > 0.99
    assert (df["departement_code"] == "unknown").mean() < 0.01
