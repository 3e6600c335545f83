"""The activity indicators on a few hand-made stays: the year boundary (readmissions, census),
percentiles, top medicines, and secrecy through the declared Secrecy and Margins."""

from datetime import date

import polars as pl
import pytest

from chu_platform.layers.marts import activity
from chu_platform.layers.marts.secrecy import leaks, publish


def _stays(rows: list[tuple]) -> pl.DataFrame:
    """(patient, finess, admission, days) -> the frame ``stays_frame`` gives."""
    df = pl.DataFrame(rows, schema=["patient_pseudo", "finess", "date_entree", "days"], orient="row")
    return df.with_columns(
        pl.col("date_entree").dt.year().cast(pl.Int32).alias("year"),
        pl.col("days").cast(pl.Int32),
        (pl.col("finess").fill_null("?") + " site").alias("raison_sociale"),
        pl.lit("IX").alias("chapitre"),
    ).with_columns((pl.col("date_entree") + pl.duration(days=pl.col("days"))).alias("date_sortie"))


def test_readmission_counts_the_next_year_and_the_1_to_30_day_window():
    stays = _stays([
        ("p1", "A", date(2019, 12, 20), 5),   # out 25/12/2019, back 10/01/2020 (16 days): readmitted
        ("p1", "B", date(2020, 1, 10), 3),    # out 13/01/2020, back 12/02/2020 (30 days): readmitted
        ("p1", "A", date(2020, 2, 12), 2),    # out 14/02/2020, never back
        ("p2", "A", date(2020, 3, 1), 4),     # out 05/03/2020, back the same day: not a readmission
        ("p2", "A", date(2020, 3, 5), 1),     # out 06/03/2020, back 06/04/2020 (31 days): not
        ("p2", "B", date(2020, 4, 6), 2),
    ])
    got = activity.readmissions(stays, [2019, 2020])
    group = {r["year"]: (r["stays"], r["readmitted"]) for r in got.filter(pl.col("level") == "group").iter_rows(named=True)}
    assert group == {2019: (1, 1), 2020: (5, 1)}
    by_site = got.filter((pl.col("level") == "establishment") & (pl.col("year") == 2020))
    assert dict(zip(by_site["finess"], by_site["readmitted"])) == {"A": 0, "B": 1}


def test_census_counts_nights_across_new_year_and_saturation_against_own_p95():
    stays = _stays([("p1", "A", date(2019, 12, 30), 3), ("p2", "A", date(2019, 12, 31), 1),
                    ("p3", "A", date(2020, 6, 1), 0)])
    nightly = activity.nightly_census(stays, date(2019, 12, 29), date(2020, 1, 2))
    assert nightly["census"].to_list() == [0, 1, 2, 1, 0]
    got = activity.census(stays, [2019, 2020])
    site_2019 = got.filter((pl.col("level") == "establishment") & (pl.col("year") == 2019)).row(0, named=True)
    assert (site_2019["peak_census"], site_2019["peak_date"]) == (2, date(2019, 12, 31))
    site_2020 = got.filter((pl.col("level") == "establishment") & (pl.col("year") == 2020)).row(0, named=True)
    assert site_2020["peak_census"] == 1 and site_2020["peak_date"] == date(2020, 1, 1)
    # 731 nights, 3 of them occupied: the site's own P95 is 0, so every occupied night is above it.
    assert site_2019["p95_census"] == 0 and site_2019["saturation_days"] == 2
    assert got["occupancy_rate"].is_null().all()


def test_length_of_stay_percentiles_and_trend():
    stays = _stays([(f"p{i}", "A", date(2019, 5, 1), d) for i, d in enumerate([1, 2, 3, 4, 10])]
                   + [(f"q{i}", "A", date(2020, 5, 1), d) for i, d in enumerate([2, 2, 2, 2])])
    got = activity.length_of_stay(stays).filter(pl.col("level") == "group")
    y2019, y2020 = got.row(0, named=True), got.row(1, named=True)
    assert (y2019["mean_days"], y2019["median_days"], y2019["p90_days"]) == (4.0, 3.0, pytest.approx(7.6))
    assert y2019["mean_change"] is None and y2020["mean_change"] == pytest.approx(-2.0)


def test_small_cells_are_withheld_and_a_part_cannot_be_recovered_from_the_group():
    stays = _stays([(f"p{i}", "A", date(2020, 1, 1 + i % 28), 2) for i in range(30)]
                   + [(f"q{i}", "B", date(2020, 2, 1), 3) for i in range(4)])
    indicator = activity.INDICATORS["length_of_stay"]
    shown = publish(activity.length_of_stay(stays), indicator.secrecy)
    assert leaks(shown, indicator.secrecy).is_empty()
    sites = shown.filter(pl.col("level") == "establishment").sort("finess")
    # B has 4 stays: masked; A would give B back by subtraction from the group's 34: masked too.
    assert sites["stays"].to_list() == [None, None]
    assert shown.filter(pl.col("level") == "group")["stays"].item() == 34


def test_top_medicines_and_prescriptions_per_consultation():
    prescriptions = pl.DataFrame({
        "year": [2020] * 5, "consultation_id": ["1", "1", "2", "3", "3"],
        "code_cis": ["60000002", "60000001", "60000001", "60000003", "60000002"],
        "denomination": ["B", "A", "A", "C", "B"], "chapitre": ["IX", "IX", "X", "X", "X"]})
    consultations = pl.DataFrame({"year": [2020] * 4, "consultation_id": ["1", "2", "3", "4"],
                                  "chapitre": ["IX", "X", "X", "X"]})
    got = activity.medication_use(prescriptions, consultations)
    group = got.filter(pl.col("level") == "group").row(0, named=True)
    assert (group["prescriptions"], group["consultations"], group["per_consultation"]) == (5, 4, 1.25)
    top = got.filter(pl.col("level") == "top")
    assert top.select("rank", "code_cis", "prescriptions").rows() == [(1, "60000001", 2), (2, "60000002", 2),
                                                                      (3, "60000003", 1)]
    assert top["share"].to_list() == [0.4, 0.4, 0.2]
    # Prescribed at 2 of the year's 4 consultations.
    assert top["per_consultation"].to_list() == [0.5, 0.5, 0.25]
    chapter_x = got.filter((pl.col("level") == "chapter") & (pl.col("chapitre") == "X"))
    assert chapter_x["all_prescriptions"].unique().to_list() == [3]
    assert chapter_x["consultations"].unique().to_list() == [3]


def test_chu_query_serves_the_indicators_masked_with_their_own_options(gold_in_env):
    import json

    from click.testing import CliRunner

    from chu_platform.cli import cli

    def query(*args):
        return CliRunner().invoke(cli, ["query", *args], catch_exceptions=False)

    shown = query("readmissions_30d", "--year", "2020", "--format", "json")
    assert shown.exit_code == 0, shown.output
    rows = json.loads(shown.output)
    assert {r["year"] for r in rows} == {2020}
    counts = [r[c] for r in rows for c in ("stays", "readmitted")]
    assert "<10" in counts and not any(isinstance(n, int) and 0 < n < 10 for n in counts)
    site = json.loads(query("readmissions_30d", "--year", "2020", "--establishment", "750000001",
                            "--format", "json").output)
    assert {(r["level"], r["finess"]) for r in site} == {("group", None), ("establishment", "750000001")}
    refused = query("census", "--from", "2020-01-01", "--to", "2020-06-30")
    assert refused.exit_code == 2 and "per calendar year" in refused.output
    assert query("medication_use", "--diagnosis", "J45").exit_code == 2

