"""Conforming raw values: sex, dates with unknown parts, numbers, CIM-10 codes."""

from datetime import date

import polars as pl

from chu_platform.layers.silver import conform


def _apply(values, expr):
    return pl.DataFrame({"v": values}, schema={"v": pl.String}).select(expr.alias("out"))["out"].to_list()


def test_sex_variants_and_garbage():
    assert _apply(["1", "2", "M", "f", " Homme ", "Femme", "x", None], conform.sex("v")) == [
        "M", "F", "M", "F", "M", "F", None, None]


def test_french_dates_reject_impossible_days():
    assert _apply(["27/09/2017", "31/02/2019", "2019-03-15", "", None], conform.date_fr("v")) == [
        date(2017, 9, 27), None, date(2019, 3, 15), None, None]


def test_insee_dates_keep_unknown_parts_unknown():
    df = pl.DataFrame({"v": ["19420000", "19700231", "20190315", "00000000", "15/03/2019"]})
    out = df.select(conform.insee_date_parts("v", "d"))
    assert out["d_annee"].to_list() == [1942, 1970, 2019, None, 2019]
    assert out["d_mois"].to_list() == [None, 2, 3, None, 3]
    assert out["d_jour"].to_list() == [None, 31, 15, None, 15]
    # Never invented: a date exists only when every part is known and the day is real.
    assert out["d_date"].to_list() == [None, None, date(2019, 3, 15), None, date(2019, 3, 15)]


def test_numbers_with_decimal_comma_or_dot():
    assert _apply(["75,09", "71.36", " 3 ", "", "n/a"], conform.number("v")) == [75.09, 71.36, 3.0, None, None]
    assert _apply(["17", "17.5", "x"], conform.integer("v")) == [17, None, None]


def test_cim10_normalised_and_malformed_null():
    assert _apply(["s02.800", "Q902", "M1125*", "J45.0", "??", "12A", None], conform.cim10("v")) == [
        "S02800", "Q902", "M1125", "J450", None, None, None]


def test_time_and_age():
    assert _apply(["08:30", "9:05", "25:00"], conform.time_of_day("v"))[2] is None
    df = pl.DataFrame({"b": [date(1980, 3, 15), date(1980, 3, 15)], "a": [date(2020, 3, 14), date(2020, 3, 15)]})
    assert df.select(conform.age_years(pl.col("b"), pl.col("a")).alias("age"))["age"].to_list() == [39, 40]
