"""The pre-aggregated serving path answers exactly as the facts, and never from a stale aggregate."""

from datetime import date

import dagster as dg
import polars as pl
import pytest
from polars.testing import assert_frame_equal

from chu_platform.defs.gold import aggregate_assets
from chu_platform.defs.metadata import table_metadata
from chu_platform.defs.resources import ChuSettings
from chu_platform.lib import delta_store
from chu_platform.defs.io_manager import DeltaIOManager
from chu_platform.layers.marts import aggregates, snapshot
from chu_platform.layers.marts.analyses import ANALYSES, connect_gold, run_analysis, serving_path, years_present
from chu_platform.layers.marts.publication import published_aggregate
from chu_platform.layers.marts.refresh import refresh_aggregates
from chu_platform.layers.marts.periods import Period
from chu_platform.defs import partitions
from chu_platform.defs.partitions import care_years
from chu_platform_tests.marts.conftest import FACT_YEARS, synthetic_gold, write_gold

WHOLE_YEARS = [Period.year(2019), Period.year(2020), Period(date(2018, 1, 1), date(2021, 12, 31)),
               Period(date(2019, 1, 1), date(2020, 12, 31))]
OTHER_PERIODS = [Period(date(2019, 7, 1), date(2020, 6, 30)), Period(date(2020, 1, 1), date(2020, 1, 31))]
FILTERS = [{}, {"establishment": "750000002"}, {"diagnosis": "J45"}]


def write_aggregates(lake: str, years=FACT_YEARS) -> None:
    con = connect_gold(lake)
    state = snapshot.of(con)
    for name, aggregate in aggregates.AGGREGATES.items():
        for year in years:
            df = aggregates.compute(con, state, name, year)
            delta_store.write_years(df, delta_store.table_uri(lake, ["gold", aggregate.table]), [year])


@pytest.fixture(scope="module")
def lake(tmp_path_factory) -> str:
    lake = str(tmp_path_factory.mktemp("served") / "lake")
    write_gold(lake, synthetic_gold())
    write_aggregates(lake)
    return lake


def _cases():
    for name, analysis in ANALYSES.items():
        periods = [p for p in WHOLE_YEARS if p.whole_year] if analysis.yearly else WHOLE_YEARS + OTHER_PERIODS
        for period in periods:
            for filters in FILTERS:
                if set(filters) <= set(analysis.filters):
                    yield pytest.param(name, period, filters, id=f"{name}-{period}-{','.join(filters) or 'all'}")


@pytest.mark.parametrize(("name", "period", "filters"), list(_cases()))
def test_served_answer_equals_the_facts(lake, name, period, filters):
    con = connect_gold(lake)
    served = run_analysis(con, name, period, filters)
    assert_frame_equal(served, run_analysis(con, name, period, filters, use_aggregates=False))
    path, why = serving_path(con, name, period, filters)
    expected = aggregates.refusal(aggregates.AGGREGATES[name], period, {k: v for k, v in filters.items() if v})
    assert (path == "aggregate") == (expected is None), why


def test_whole_years_without_restricting_filters_are_served(lake):
    con = connect_gold(lake)
    for name in ANALYSES:
        assert serving_path(con, name, Period.year(2019)) == ("aggregate", f"gold/agg_{name}")
    assert serving_path(con, "consultations_by_establishment", Period(date(2018, 1, 1), date(2021, 12, 31)))[0] == "aggregate"
    assert serving_path(con, "consultations_by_diagnosis", Period.year(2019), {"diagnosis": "J45"})[0] == "aggregate"
    assert serving_path(con, "consultations_by_diagnosis", Period.year(2019), {"establishment": "750000002"})[0] == "facts"
    assert serving_path(con, "hospitalisation_rate", Period(date(2019, 1, 1), date(2020, 12, 31)))[0] == "facts"
    assert serving_path(con, "consultations_by_professional", Period(date(2019, 7, 1), date(2020, 6, 30)))[0] == "facts"


def test_a_gold_year_rewritten_after_its_aggregate_is_answered_from_the_facts(tmp_path):
    lake = str(tmp_path / "lake")
    tables = synthetic_gold()
    write_gold(lake, tables)
    write_aggregates(lake)
    before = connect_gold(lake)
    old = run_analysis(before, "consultations_by_establishment", Period.year(2019))
    fewer = tables["fact_consultation"].filter(pl.col("year") == 2019).head(40)
    delta_store.write_years(fewer, delta_store.table_uri(lake, ["gold", "fact_consultation"]), [2019])

    con = connect_gold(lake)
    for name in ("consultations_by_establishment", "hospitalisation_rate", "hospitalisations_by_sex_age"):
        path, why = serving_path(con, name, Period.year(2019))
        assert path == "facts" and "2019" in why, (name, why)
        assert_frame_equal(run_analysis(con, name, Period.year(2019)),
                           run_analysis(con, name, Period.year(2019), use_aggregates=False))
        assert serving_path(con, name, Period.year(2020))[0] == "aggregate"
    new = run_analysis(con, "consultations_by_establishment", Period.year(2019))
    assert new["denominator"][0] == 40 != old["denominator"][0]
    # A period that includes the rewritten year falls back as a whole.
    assert serving_path(con, "consultations_by_diagnosis", Period(date(2018, 1, 1), date(2021, 12, 31)))[0] == "facts"
    # The connection opened before the rewrite keeps answering from its own snapshot.
    assert_frame_equal(run_analysis(before, "consultations_by_establishment", Period.year(2019)), old)


def test_a_rewritten_dimension_makes_the_aggregates_reading_it_stale(tmp_path):
    lake = str(tmp_path / "lake")
    tables = synthetic_gold()
    write_gold(lake, tables)
    write_aggregates(lake, [2019])
    delta_store.write_table(tables["dim_patient"], delta_store.table_uri(lake, ["gold", "dim_patient"]))
    relabelled = tables["dim_diagnostic"].with_columns(pl.col("libelle").str.to_uppercase())
    delta_store.write_table(relabelled, delta_store.table_uri(lake, ["gold", "dim_diagnostic"]))
    con = connect_gold(lake)
    assert serving_path(con, "hospitalisation_rate", Period.year(2019))[0] == "facts"
    assert serving_path(con, "hospitalisations_by_diagnosis", Period.year(2019))[0] == "facts"
    assert serving_path(con, "deaths_by_region", Period.year(2019))[0] == "aggregate"
    labels = run_analysis(con, "hospitalisations_by_diagnosis", Period.year(2019))["libelle"].drop_nulls()
    assert labels.len() > 0 and (labels == labels.str.to_uppercase()).all()


def _resources(chu_env) -> dict:
    return {"settings": ChuSettings(data_dir=str(chu_env), landing_dir=str(chu_env / "landing")),
            "io_manager": DeltaIOManager(data_dir=str(chu_env))}


DEATHS = dg.AssetKey(["gold", "agg_deaths_by_region"])
CARE_AGGREGATES, DEATHS_AGGREGATES = aggregate_assets.AGGREGATE_ASSETS


def _every_aggregate(chu_env, **options) -> list[dg.ExecuteInProcessResult]:
    """One run per partitioning (a Dagster run has one): the care family's aggregates, the deaths one."""
    return [dg.materialize([asset], resources=_resources(chu_env), **options) for asset in aggregate_assets.AGGREGATE_ASSETS]


def test_one_aggregate_alone_writes_only_its_table_and_year(chu_env, gold_in_env):
    """A run selecting one aggregate (the drop sensor's follow-on of a death register year)
    builds that one only, for its year only."""
    for year in ("2019", "2020"):
        result = dg.materialize([DEATHS_AGGREGATES], selection=[DEATHS],
                                resources=_resources(chu_env), partition_key=year)
        assert result.success
        assert [e.asset_key for e in result.get_asset_materialization_events()] == [DEATHS]
    lake = gold_in_env.lake
    stored = delta_store.read(delta_store.table_uri(lake, ["gold", "agg_deaths_by_region"]))
    assert sorted(stored["year"].unique().to_list()) == [2019, 2020]
    assert stored.columns[0] == "year" and stored.columns[-1] == aggregates.INPUTS
    assert {"region_code", "region_nom", "deaths", "denominator"} <= set(stored.columns)
    others = [a.table for a in aggregates.AGGREGATES.values() if a.table != "agg_deaths_by_region"]
    assert not any(delta_store.exists(delta_store.table_uri(lake, ["gold", t])) for t in others)
    con = connect_gold(lake)
    assert serving_path(con, "deaths_by_region", Period.year(2020))[0] == "aggregate"
    assert serving_path(con, "deaths_by_region", Period.year(2021)) == (
        "facts", "gold/agg_deaths_by_region has no year 2021")
    assert stored.filter(pl.col("year") == 2020)["deaths"].sum() == run_analysis(
        con, "deaths_by_region", Period.year(2020), use_aggregates=False)["denominator"][0]


def test_one_run_builds_every_aggregate_of_its_year_as_the_facts_answer(chu_env, gold_in_env):
    results = _every_aggregate(chu_env, partition_key="2019")
    assert all(result.success for result in results)
    # One step per partitioning, keyed <layer>__... as the pipeline benchmark's per-layer step time expects.
    assert [{e.step_key for e in result.all_events if e.step_key} for result in results] == [
        {"gold__aggregates_care"}, {"gold__aggregates_deaths"}]
    events = {e.asset_key: e for result in results for e in result.get_asset_materialization_events()}
    assert set(events) == {dg.AssetKey(["gold", a.table]) for a in aggregates.AGGREGATES.values()}
    con = connect_gold(gold_in_env.lake)
    state = snapshot.of(con)
    for name, aggregate in aggregates.AGGREGATES.items():
        # The rows and fingerprint compute() gives on a connection serving queries, which
        # copies the small tables into memory (the step reads their files instead).
        stored = delta_store.read(delta_store.table_uri(gold_in_env.lake, ["gold", aggregate.table]))
        expected = aggregates.compute(con, state, name, 2019)
        assert_frame_equal(stored.select(expected.columns).sort(pl.all()), expected.sort(pl.all()))
        assert serving_path(con, name, Period.year(2019)) == ("aggregate", f"gold/{aggregate.table}")
        assert_frame_equal(run_analysis(con, name, Period.year(2019)),
                           run_analysis(con, name, Period.year(2019), use_aggregates=False))
        metadata = events[dg.AssetKey(["gold", aggregate.table])].materialization.metadata
        assert metadata["inputs_fingerprint"].value == aggregates.fingerprint(state, aggregate, 2019)
        assert metadata["partition"].value == "2019"


def test_an_aggregate_whose_gold_is_not_built_is_skipped_and_the_others_are_built(chu_env):
    lake = str(chu_env / "lake")
    tables = synthetic_gold()
    write_gold(lake, {name: df for name, df in tables.items() if name != "fact_deces"})
    selection = [DEATHS, dg.AssetKey(["gold", "agg_satisfaction_by_region"])]
    results = [dg.materialize([asset], selection=[k for k in selection if k in asset.keys],
                              resources=_resources(chu_env), partition_key="2019") for asset in (DEATHS_AGGREGATES, CARE_AGGREGATES)]
    assert all(result.success for result in results)
    events = {e.asset_key: e.materialization.metadata for result in results for e in result.get_asset_materialization_events()}
    assert events[DEATHS]["skipped"].value == "gold/fact_deces not built yet"
    assert "skipped" not in events[selection[1]]
    assert not delta_store.exists(delta_store.table_uri(lake, ["gold", "agg_deaths_by_region"]))
    assert delta_store.exists(delta_store.table_uri(lake, ["gold", "agg_satisfaction_by_region"]))


def test_an_aggregate_that_fails_leaves_the_others_of_its_run_built(chu_env):
    lake = str(chu_env / "lake")
    tables = synthetic_gold()
    tables["fact_consultation"] = tables["fact_consultation"].drop("etablissement_key")
    write_gold(lake, tables)
    satisfaction = dg.AssetKey(["gold", "agg_satisfaction_by_region"])
    broken = dg.AssetKey(["gold", "agg_consultations_by_establishment"])
    # The broken aggregate is computed first: the satisfaction one still follows its failure.
    assert list(aggregates.AGGREGATES).index("consultations_by_establishment") < list(aggregates.AGGREGATES).index(
        "satisfaction_by_region")
    result = dg.materialize([CARE_AGGREGATES], selection=[broken, satisfaction],
                            resources=_resources(chu_env), partition_key="2019", raise_on_error=False)
    assert not result.success
    assert [e.asset_key for e in result.get_asset_materialization_events()] == [satisfaction]
    failure = next(e for e in result.all_events if e.event_type == dg.DagsterEventType.STEP_FAILURE)
    assert "gold/agg_consultations_by_establishment [2019] not computed" in failure.step_failure_data.error.message
    assert serving_path(connect_gold(lake), "satisfaction_by_region", Period.year(2019))[0] == "aggregate"


def test_refresh_writes_the_missing_and_stale_years_only(tmp_path):
    lake = str(tmp_path / "lake")
    tables = synthetic_gold()
    write_gold(lake, tables)
    written = refresh_aggregates(lake)
    con = connect_gold(lake)
    expected = {(name, year) for name in aggregates.AGGREGATES for year in years_present(con, name)}
    assert set(written) == expected and len(written) == len(expected)
    assert refresh_aggregates(lake) == []
    fewer = tables["fact_deces"].filter(pl.col("year") == 2019).head(3)
    delta_store.write_years(fewer, delta_store.table_uri(lake, ["gold", "fact_deces"]), [2019])
    assert refresh_aggregates(lake) == [("deaths_by_region", 2019)]
    con = connect_gold(lake)
    assert serving_path(con, "deaths_by_region", Period.year(2019))[0] == "aggregate"
    assert run_analysis(con, "deaths_by_region", Period.year(2019))["denominator"][0] == 3


def test_automation_requests_every_year_whose_gold_changed_and_nothing_for_an_identical_dimension(tmp_path):
    instance = dg.DagsterInstance.ephemeral()
    upstream = [dg.AssetSpec(["gold", "fact_hospitalisation"], partitions_def=care_years),
                dg.AssetSpec(["gold", "dim_diagnostic"])]
    settings = ChuSettings(data_dir=str(tmp_path), landing_dir=str(tmp_path / "landing"))
    defs = dg.Definitions(assets=[CARE_AGGREGATES, *upstream], resources={"settings": settings})

    written = iter(range(1000))

    def materialised(key, partition=None, version=None):
        """A write; a fact's data version changes at each, a dimension's is its content's."""
        tags = {"dagster/data_version": version or f"write-{next(written)}"}
        instance.report_runless_asset_event(dg.AssetMaterialization(asset_key=key, partition=partition, tags=tags))

    for year in ("2019", "2020"):
        materialised(["gold", "fact_hospitalisation"], year)
    materialised(["gold", "dim_diagnostic"], version="codes-v1")
    first = dg.evaluate_automation_conditions(defs=defs, instance=instance)
    for year in ("2019", "2020"):
        materialised(["gold", "agg_hospitalisations_by_diagnosis"], year)
    settled = dg.evaluate_automation_conditions(defs=defs, instance=instance, cursor=first.cursor)
    assert settled.total_requested == 0

    # Rebuilt identical (every build rebuilds the dimensions): nothing to refresh.
    materialised(["gold", "dim_diagnostic"], version="codes-v1")
    same = dg.evaluate_automation_conditions(defs=defs, instance=instance, cursor=settled.cursor)
    assert same.total_requested == 0
    # Changed: every year reads it.
    materialised(["gold", "dim_diagnostic"], version="codes-v2")
    after = dg.evaluate_automation_conditions(defs=defs, instance=instance, cursor=same.cursor)
    key = dg.AssetKey(["gold", "agg_hospitalisations_by_diagnosis"])
    requested = set(after.get_requested_partitions(key)) if after.total_requested else set()
    assert requested == {"2019", "2020"}
    for year in requested:
        materialised(["gold", "agg_hospitalisations_by_diagnosis"], year)
    handled = dg.evaluate_automation_conditions(defs=defs, instance=instance, cursor=after.cursor)
    materialised(["gold", "fact_hospitalisation"], "2020")
    one_year = dg.evaluate_automation_conditions(defs=defs, instance=instance, cursor=handled.cursor)
    assert set(one_year.get_requested_partitions(key)) == {"2020"}


def test_an_aggregate_table_without_fingerprints_is_never_served(tmp_path):
    lake = str(tmp_path / "lake")
    write_gold(lake, synthetic_gold())
    con = connect_gold(lake)
    facts = run_analysis(con, "deaths_by_region", Period.year(2019), use_aggregates=False)
    delta_store.write_years(facts.drop("period_from", "period_to").with_columns(year=pl.lit(2019)),
                            delta_store.table_uri(lake, ["gold", "agg_deaths_by_region"]), [2019])
    con = connect_gold(lake)
    assert serving_path(con, "deaths_by_region", Period.year(2019)) == (
        "facts", "gold/agg_deaths_by_region has no year 2019")
    assert_frame_equal(run_analysis(con, "deaths_by_region", Period.year(2019)), facts)


def test_a_range_run_builds_each_year_as_one_run_per_year_would(chu_env, gold_in_env):
    """A range run (each aggregate has its partitioning's backfill policy): one step over a range of years, one materialisation
    per aggregate covering them, each year's rows those compute() gives for that year alone."""
    years = FACT_YEARS[:3]
    assert all(a.backfill_policy == partitions.policy(a.partitions_def) for a in aggregate_assets.AGGREGATE_ASSETS)
    results = _every_aggregate(chu_env, tags={
        "dagster/asset_partition_range_start": str(years[0]), "dagster/asset_partition_range_end": str(years[-1])})
    assert all(result.success for result in results)
    events = [e for result in results for e in result.get_asset_materialization_events()]
    assert {e.partition for e in events if e.asset_key == DEATHS} == {str(y) for y in years}
    consultations = delta_store.read(delta_store.table_uri(gold_in_env.lake, ["gold", "agg_consultations_by_diagnosis"]))
    assert sorted(consultations["year"].unique().to_list()) == list(years)
    con = connect_gold(gold_in_env.lake)
    state = snapshot.of(con)
    for name, aggregate in aggregates.AGGREGATES.items():
        stored = delta_store.read(delta_store.table_uri(gold_in_env.lake, ["gold", aggregate.table]))
        assert set(stored["year"].unique().to_list()) <= set(years)
        for year in years:
            expected = aggregates.compute(con, state, name, year)
            got = stored.filter(pl.col("year") == year).select(expected.columns)
            assert_frame_equal(got.sort(pl.all()), expected.sort(pl.all()))
            # Each year's materialisation carries that year's fingerprint and the preview of
            # that year published alone (the step publishes the range's years in one pass).
            metadata = next(e.materialization.metadata for e in events
                            if e.asset_key == dg.AssetKey(["gold", aggregate.table]) and e.partition == str(year))
            fingerprint = aggregates.fingerprint(state, aggregate, year) if got.height else ""
            assert metadata["inputs_fingerprint"].value == fingerprint
            alone = table_metadata(published_aggregate(stored.filter(pl.col("year") == year), name))
            assert metadata["preview"].value == alone["preview"].value
            assert metadata["null_counts"].value == alone["null_counts"].value


def test_the_deaths_register_runs_five_years_at_a_time_the_other_sources_all_at_once():
    """Backfill policies by partitioning (defs/partitions.py): a 2015-2024 backfill is two runs
    per wave of the deaths chain, one of the care family's."""
    from chu_platform.definitions import defs

    graph = defs.resolve_asset_graph()
    policies = {}
    for key in graph.get_all_asset_keys():
        node = graph.get(key)
        if node.partitions_def is not None:
            policies.setdefault(node.partitions_def == partitions.deaths_years, set()).add(node.backfill_policy)
    assert policies == {True: {dg.BackfillPolicy.multi_run(5)}, False: {dg.BackfillPolicy.single_run()}}
