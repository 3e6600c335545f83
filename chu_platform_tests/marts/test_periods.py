"""Period boundaries are inclusive and hold across year partitions."""

from datetime import date

import polars as pl
import pytest

from chu_platform.layers.marts.analyses import connect_gold, run_analysis
from chu_platform.layers.marts.periods import Period, latest_complete_year
from chu_platform_tests.marts.conftest import synthetic_gold, write_gold

DAYS = [date(2019, 12, 31), date(2020, 1, 1), date(2020, 6, 30), date(2020, 7, 1), date(2020, 12, 31), date(2021, 1, 1)]


@pytest.fixture(scope="module")
def con(tmp_path_factory):
    lake = str(tmp_path_factory.mktemp("periods") / "lake")
    tables = synthetic_gold()
    n = len(DAYS)
    tables["fact_consultation"] = pl.DataFrame({
        "consultation_id": range(1, n + 1), "date_key": [d.year * 10_000 + d.month * 100 + d.day for d in DAYS],
        "year": [d.year for d in DAYS], "patient_key": [1] * n, "professionnel_key": [1] * n,
        "diagnostic_key": [1] * n, "etablissement_key": [1] * n, "duree_minutes": [15] * n,
    }, schema_overrides={"date_key": pl.Int32, "year": pl.Int32, "etablissement_key": pl.Int64})
    write_gold(lake, tables)
    return connect_gold(lake)


@pytest.mark.parametrize(("start", "end", "expected"), [
    ("2020-01-01", "2020-06-30", 2),
    ("2020-06-30", "2020-07-01", 2),
    ("2019-12-31", "2021-01-01", 6),
    ("2019-12-31", "2019-12-31", 1),
    ("2020", "2020", 4),
    ("2020-07-02", "2020-12-30", 0),
])
def test_boundaries_are_inclusive_across_partitions(con, start, end, expected):
    df = run_analysis(con, "consultations_by_establishment", Period.parse(start, end))
    assert int(df["numerator"].sum()) == expected


def test_parse_and_validate():
    assert Period.parse("2020", "2021") == Period(date(2020, 1, 1), date(2021, 12, 31))
    assert Period.parse("2020", "2020").whole_year == 2020
    assert Period.parse("2020-01-01", "2020-11-30").whole_year is None
    with pytest.raises(ValueError, match="swap"):
        Period.parse("2021-01-01", "2020-01-01")
    with pytest.raises(ValueError, match="YYYY-MM-DD"):
        Period.parse("01/02/2020", "2020-03-01")


def test_latest_complete_year():
    assert latest_complete_year({2018, 2019, 2026}, date(2026, 5, 1)) == 2019
    assert latest_complete_year({2026}, date(2026, 5, 1)) == 2026
    assert latest_complete_year(set(), date(2026, 5, 1)) is None
