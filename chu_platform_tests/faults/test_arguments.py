"""Years asked for that no source holds are said as such, with the years that exist; a build
in flight is named with what keeps it there (issue 24, "Arguments")."""

import time

import dagster as dg

from chu_platform.cli.run import run_summary
from chu_platform.deploy.instance import prepare_home
from chu_platform.lib import dagster_private as private
from chu_platform.orchestration.build_target import in_flight
from chu_platform.orchestration.requested_years import check_years
from chu_platform_tests.faults.conftest import YEAR, chu, deliver

SOURCES = ["care", "establishments", "professionals", "hospitalisations", "satisfaction", "deaths"]


def test_run_of_a_year_outside_every_source_says_so_and_builds_nothing(chu_env, generated_drop):
    deliver(generated_drop, chu_env, "deces")
    result = chu("run", "--years", "2031")
    assert result.exit_code == 1, result.output  # before: every job run, "Everything built", exit 0
    assert "nothing to build: 2031 outside every requested source's years" in result.output
    assert f"years with data: deaths {YEAR}" in result.output
    assert "Everything built" not in result.output and "[1/" not in result.output


def test_backfill_of_years_no_source_holds_says_so(chu_env, generated_drop):
    deliver(generated_drop, chu_env, "deces")
    future = chu("backfill", "--from", "2030", "--to", "2031", "--sources", "deaths")
    assert future.exit_code == 1, future.output  # before: "Nothing to do: ... are materialised", exit 0
    assert "nothing to backfill: 2030-2031 outside every requested source's years (deaths 1970-" in future.output
    assert f"years with data: deaths {YEAR}" in future.output
    past = chu("backfill", "--from", "2005", "--to", "2006", "--sources", "deaths")
    assert past.exit_code == 1, past.output
    assert f"no data for 2005-2006: no file of the requested sources holds it (years with data: deaths {YEAR})" \
        in past.output
    assert "materialised" not in future.output + past.output


def test_years_asked_are_sorted_by_what_the_sources_hold():
    asked = check_years([2005, 2019, 2020, 2030], SOURCES, {"deaths": {2019}, "hospitalisations": {2019, 2020}})
    assert (asked.held, asked.without_data, asked.outside) == ([2019, 2020], [2005], [2030])
    assert asked.existing == "hospitalisations 2019-2020; deaths 2019"
    lines = asked.lines()
    assert lines[0].startswith("no data for 2005: ") and lines[0].endswith("(years with data: hospitalisations "
                                                                           "2019-2020; deaths 2019)")
    assert lines[1].startswith("2030 outside every requested source's years (care 2015-")
    # Sources without a year axis: every year is theirs to compute downstream.
    assert check_years([2031], ["establishments"], {"establishments": None}).held == [2031]


def test_a_summary_with_years_not_built_does_not_say_everything_built():
    text = run_summary([], {}, ["no data for 2018: ..."]).text
    assert "not built, no data for 2018" in text and "Everything built" not in text


def test_a_backfill_no_daemon_runs_is_named_as_such(chu_env):
    prepare_home(chu_env)  # DAGSTER_HOME: the data directory's instance

    @dg.asset(partitions_def=dg.StaticPartitionsDefinition(["2019"]))
    def things():
        return 1

    graph = dg.Definitions(assets=[things]).resolve_asset_graph()
    with dg.DagsterInstance.get() as instance:
        backfill = private.PartitionBackfill.from_asset_graph_subset(
            backfill_id="killedbf", backfill_timestamp=time.time(), tags={}, dynamic_partitions_store=instance,
            asset_graph_subset=private.AssetGraphSubset.from_asset_partition_set(
                {private.AssetKeyPartitionKey(dg.AssetKey("things"), "2019")}, graph),
            title="chu backfill 2019-2019 deaths", description=None, run_config=None)
        instance.add_backfill(backfill)
        # Before: "is in progress", and every later build refused with no way out named.
        assert in_flight(instance) == ("backfill killedbf (chu backfill 2019-2019 deaths) is in progress but no daemon "
                                       "runs it (`make up` starts one, which runs it to its end; the UI's Backfills "
                                       "page cancels it)")
