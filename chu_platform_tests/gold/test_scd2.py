"""dim_patient history: a change of a tracked attribute adds exactly one version."""

from datetime import date

import polars as pl

from chu_platform.layers.gold import scd2
from chu_platform.layers.gold.keys import UNKNOWN_KEY
from chu_platform.schemas.gold import DimPatient
from chu_platform.schemas.validation import validate


def _patients(**overrides) -> pl.DataFrame:
    rows = {
        "patient_pseudo": ["a" * 64, "b" * 64],
        "sexe": ["M", "F"],
        "annee_naissance": pl.Series([1980, 1975], dtype=pl.Int16),
        "departement_code": ["75", "13"],
        "region_code": ["11", "93"],
        "mutuelle_id": ["M1", None],
    }
    rows.update(overrides)
    return pl.DataFrame(rows)


def test_first_load_one_open_version_each_plus_unknown():
    dim = scd2.build_dim_patient(_patients(), None, date(2024, 1, 1))
    assert dim.height == 3
    assert dim.filter(pl.col("patient_key") == UNKNOWN_KEY).height == 1
    assert dim["is_current"].all()
    assert set(dim["valid_from"]) == {scd2.HISTORY_START}
    assert validate(DimPatient, dim).passed


def test_change_of_departement_adds_exactly_one_version():
    first = scd2.build_dim_patient(_patients(), None, date(2024, 1, 1))
    moved = _patients(departement_code=["69", "13"], region_code=["84", "93"])
    second = scd2.build_dim_patient(moved, first, date(2024, 6, 1))
    assert second.height == first.height + 1
    a = second.filter(pl.col("patient_pseudo") == "a" * 64).sort("valid_from")
    assert a["departement_code"].to_list() == ["75", "69"]
    assert a["valid_to"].to_list() == [date(2024, 6, 1), scd2.OPEN_END]
    assert a["is_current"].to_list() == [False, True]
    # Keys of existing versions never change, so facts written earlier still join.
    old_keys = set(first["patient_key"])
    assert old_keys <= set(second["patient_key"])
    assert validate(DimPatient, second).passed


def test_unchanged_rerun_is_idempotent_and_in_place_attributes_corrected():
    first = scd2.build_dim_patient(_patients(), None, date(2024, 1, 1))
    assert scd2.build_dim_patient(_patients(), first, date(2024, 2, 1)).equals(first)
    corrected = scd2.build_dim_patient(_patients(sexe=["F", "F"]), first, date(2024, 2, 1))
    assert corrected.height == first.height
    assert corrected.filter(pl.col("patient_pseudo") == "a" * 64)["sexe"].to_list() == ["F"]


def test_insurer_change_and_same_day_correction_and_newcomer():
    first = scd2.build_dim_patient(_patients(), None, date(2024, 1, 1))
    switched = scd2.build_dim_patient(_patients(mutuelle_id=["M1", "M7"]), first, date(2024, 3, 1))
    again = scd2.build_dim_patient(_patients(mutuelle_id=["M1", "M8"]), switched, date(2024, 3, 1))
    b = again.filter(pl.col("patient_pseudo") == "b" * 64).sort("valid_from")
    assert b["mutuelle_code"].to_list() == [None, "M8"]
    newcomer = pl.concat([_patients(mutuelle_id=["M1", "M8"]), _patients().head(1).with_columns(
        patient_pseudo=pl.lit("c" * 64))])
    grown = scd2.build_dim_patient(newcomer, again, date(2024, 4, 1))
    c = grown.filter(pl.col("patient_pseudo") == "c" * 64)
    assert c["valid_from"].to_list() == [scd2.HISTORY_START]
    assert validate(DimPatient, grown).passed
