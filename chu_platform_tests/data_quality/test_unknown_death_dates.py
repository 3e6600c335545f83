"""Deaths whose day or month INSEE gives as 00 count in their year of death, and a check
reconciles each year's register lines with the deaths counted."""

import polars as pl

from chu_platform.defs.gold.checks import DEATHS_RECONCILE_WITH_REGISTER
from chu_platform.defs.resources import ChuSettings
from chu_platform.defs.table_checks import CheckData
from chu_platform.lib import delta_store
from chu_platform.layers.marts.analyses import connect_gold, run_analysis
from chu_platform.layers.marts.periods import Period

import dagster as dg

from .conftest import blank_death_dates, check_results, chu_run, table, write_deaths

YEARS = [2019, 2020]


def test_every_death_of_a_known_year_is_counted_in_it(landing):
    truth = write_deaths(landing, YEARS)
    for year in YEARS:
        blank_death_dates(landing / "deces" / f"deces-{year}.txt")
    chu_run("--sources", "deaths")
    data = landing.parent
    facts = table(data, "gold", "fact_deces")
    undated = facts.filter(pl.col("date_deces_key") == -1)
    assert undated.height > 10, "the fault was not injected: no death with an unknown day or month"
    with connect_gold(str(data / "lake")) as con:
        for year in YEARS:
            answer = run_analysis(con, "deaths_by_region", Period.year(year))
            assert int(answer["deaths"].sum()) == truth[year], year
    assert check_results(["gold", "agg_deaths_by_region"], "agg_deaths_by_region_reconciles_with_register") == {
        str(y): True for y in YEARS}


def test_the_reconciliation_fails_when_deaths_go_missing(landing):
    write_deaths(landing, YEARS)
    blank_death_dates(landing / "deces" / "deces-2019.txt")
    chu_run("--sources", "deaths")
    data = landing.parent
    settings = ChuSettings(data_dir=str(data), landing_dir=str(landing))
    uri = settings.table_uri("gold", "agg_deaths_by_region")
    agg = delta_store.read(uri, [2019])
    # What the analysis counted before: deaths with an unknown day or month left out of one region.
    undated = table(data, "gold", "fact_deces").filter((pl.col("year") == 2019) & (pl.col("date_deces_key") == -1))
    region = undated["region_code"][0]
    lost = undated.filter(pl.col("region_code") == region).height
    tampered = agg.with_columns(pl.when(pl.col("region_code") == region).then(pl.col("deaths") - lost)
                                .otherwise(pl.col("deaths")).alias("deaths"))
    delta_store.write_years(tampered, uri, [2019])
    passed, metadata = DEATHS_RECONCILE_WITH_REGISTER.evaluate(
        CheckData(settings, dg.AssetKey(["gold", "agg_deaths_by_region"]), 2019))
    assert not passed and metadata["failing_rows"].value == 1
    assert "2019" in metadata["sample"].value and str(lost) not in ("0",)
    passed, _ = DEATHS_RECONCILE_WITH_REGISTER.evaluate(
        CheckData(settings, dg.AssetKey(["gold", "agg_deaths_by_region"]), 2020))
    assert passed
