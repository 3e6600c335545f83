"""Ticks of the drop sensor with build_sensor_context."""

import json
import os
import time

import dagster as dg
import pytest

from chu_platform.defs.bronze import sensors
from chu_platform.defs.bronze.sensors import ftp_new_files


def tick(settings, drop, cursor=None):
    context = dg.build_sensor_context(cursor=cursor, resources={"settings": settings, "drop": drop})
    result = ftp_new_files(context)
    return result.run_requests, result.cursor


@pytest.fixture(autouse=True)
def slow_ticks(monkeypatch):
    """Ticks here can be seconds apart on a busy machine: only files older than an hour
    count as quiet, so the two-listing rule is what these tests see."""
    monkeypatch.setenv("CHU_SETTLE_SECONDS", "3600")


def write(path, text: str, mtime: float | None = None):
    """Write a file; by default it was modified just now (not yet quiet)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    if mtime is not None:
        os.utime(path, (mtime, mtime))


def test_new_file_settles_then_runs_once_for_its_partition(platform):
    settings, drop, landing, _ = platform
    write(landing / "deces-2019.txt", "x" * 176 + "\n")
    requests, cursor = tick(settings, drop)
    assert requests == []  # first sighting: wait one tick to see the size hold
    requests, cursor = tick(settings, drop, cursor)
    assert len(requests) == 1
    request = requests[0]
    assert request.partition_key == "2019"
    assert request.asset_selection == [dg.AssetKey(["bronze", "deaths"])]
    stat = (landing / "deces-2019.txt").stat()
    assert request.run_key == f"deces-2019.txt|{stat.st_size}|{stat.st_mtime}@2019"
    requests, cursor = tick(settings, drop, cursor)
    assert requests == []  # same file again


def test_local_file_quiet_for_a_while_runs_at_first_sight(platform):
    settings, drop, landing, _ = platform
    write(landing / "deces-2018.csv", "x\n", mtime=time.time() - 7200)
    requests, cursor = tick(settings, drop)
    assert [(r.partition_key, r.asset_selection) for r in requests] == [("2018", [dg.AssetKey(["bronze", "deaths"])])]
    assert tick(settings, drop, cursor)[0] == []


def test_growing_file_waits_and_changed_file_runs_again(platform):
    settings, drop, landing, _ = platform
    target = landing / "Hospitalisations.csv"
    write(target, "a\n")
    _, cursor = tick(settings, drop)
    write(target, "a\nb\n")  # still being written
    requests, cursor = tick(settings, drop, cursor)
    assert requests == []
    requests, cursor = tick(settings, drop, cursor)
    assert [r.asset_selection for r in requests] == [[dg.AssetKey(["bronze", "hospitalisations"])]]
    assert requests[0].partition_key is None
    first_key = requests[0].run_key
    write(target, "a\nb\nc\n")  # re-delivered, changed
    requests, cursor = tick(settings, drop, cursor)
    assert requests == []
    changed, cursor = tick(settings, drop, cursor)
    assert len(changed) == 1 and changed[0].run_key != first_key
    assert changed[0].run_key == f"Hospitalisations.csv|6|{target.stat().st_mtime}"


def test_finess_runs_both_tables_and_chu_deaths_run_each_death_year(platform):
    settings, drop, landing, _ = platform
    write(landing / "etalab-cs1100507-stock-20240101-0300.csv", "finess;etalab;1;2024-01-01\n")
    write(landing / "deces.csv",
          "nom,prenom,sexe,date_naissance,code_lieu_naissance,lieu_naissance,pays_naissance,date_deces,"
          "code_lieu_deces,numero_acte_deces\nA,B,1,19400101,75056,PARIS,,20180102,75056,1\n"
          "C,D,2,19400101,75056,PARIS,,20200102,75056,2\n")
    _, cursor = tick(settings, drop)
    requests, _ = tick(settings, drop, cursor)
    plan = sorted((tuple(k.path[-1] for k in r.asset_selection), r.partition_key) for r in requests)
    assert plan == [
        (("deaths",), "2018"), (("deaths",), "2020"),
        (("finess_establishments", "finess_geolocations"), None),
    ]


def test_unrecognised_files_are_listed_never_ignored(platform):
    settings, drop, landing, _ = platform
    write(landing / "notes" / "lisez-moi.txt", "bonjour")
    write(landing / "upload.csv.part", "in flight")
    requests, cursor = tick(settings, drop)
    listing = json.loads((settings.data_path / "raw" / "unrecognised.json").read_text())
    assert [f["path"] for f in listing["files"]] == ["notes/lisez-moi.txt"]
    assert json.loads(cursor)["unrecognised"] == ["notes/lisez-moi.txt"]
    assert requests == []


def test_a_year_file_carries_its_year_through_silver_and_gold_once_the_platform_is_built(platform):
    """A settled year file's run also builds that year downstream, as far as every other input,
    and every table its checks read, has been materialised already (on a fresh platform, not
    gold, whose checks read the dimensions)."""
    from chu_platform.definitions import defs

    # The sensor's target resolves into a job when a code location loads (as the daemon does).
    assert defs.get_repository_def().get_all_jobs()
    settings, drop, landing, _ = platform
    write(landing / "deces-2021.txt", "x" * 176 + "\n", mtime=time.time() - 7200)
    deaths = dg.AssetKey(["bronze", "deaths"])
    with dg.instance_for_test() as instance:
        def sensor_tick(cursor=None):
            context = dg.build_sensor_context(
                cursor=cursor, resources={"settings": settings, "drop": drop}, definitions=defs, instance=instance
            )
            return ftp_new_files(context)

        fresh = sensor_tick()
        # gold/fact_deces' checks read gold/dim_date and dim_geography, not built yet: it waits
        # (the run would fail at its checks), and so does gold/agg_deaths_by_region.
        assert [r.asset_selection for r in fresh.run_requests] == [
            [deaths, dg.AssetKey(["silver", "death_declarations"]), dg.AssetKey(["silver", "deaths"])]
        ]

        for key in defs.resolve_asset_graph().get_all_asset_keys():
            instance.report_runless_asset_event(dg.AssetMaterialization(key))
        write(landing / "deces-2022.txt", "x" * 176 + "\n", mtime=time.time() - 7200)
        built = sensor_tick(fresh.cursor)
        assert [(r.partition_key, r.asset_selection) for r in built.run_requests] == [(
            "2022",
            [deaths, dg.AssetKey(["gold", "agg_deaths_by_region"]), dg.AssetKey(["gold", "fact_deces"]),
             dg.AssetKey(["silver", "death_declarations"]), dg.AssetKey(["silver", "deaths"])],
        )]


def test_a_new_sensor_does_not_load_again_what_a_run_already_landed(platform):
    """A daemon started after `chu run` (empty cursor) skips the files in the raw manifest."""
    from chu_platform.defs.bronze.assets import FILE_ASSETS
    from chu_platform_tests.bronze.conftest import materialize

    settings, drop, landing, resources = platform
    write(landing / "deces-2019.txt", "x" * 176 + "\n", mtime=time.time() - 7200)
    write(landing / "deces-2020.txt", "y" * 176 + "\n", mtime=time.time() - 7200)
    deaths = next(a for a in FILE_ASSETS if a.key.path[-1] == "deaths")
    assert materialize(deaths, resources, "2019").success  # as chu run would
    requests, cursor = tick(settings, drop)
    assert [r.partition_key for r in requests] == ["2020"]  # 2019 is already in
    write(landing / "deces-2019.txt", "z" * 176 + "\n", mtime=time.time() - 3600)  # re-delivered, changed
    requests, _ = tick(settings, drop, cursor)
    assert [r.partition_key for r in requests] == ["2019"]


def test_no_request_while_a_backfill_loads_the_drop(platform):
    """A backfill of bronze tables lands the drop's files itself: the sensor waits for it
    rather than loading the same files again in runs of its own."""
    from dagster._core.definitions.events import AssetKeyPartitionKey
    from dagster._core.execution.backfill import BulkActionStatus

    from chu_platform.orchestration import backfill
    from chu_platform.definitions import defs

    settings, drop, landing, _ = platform
    write(landing / "deces-2019.txt", "x" * 176 + "\n", mtime=time.time() - 7200)
    with dg.instance_for_test() as instance:
        def sensor_tick(cursor=None):
            context = dg.build_sensor_context(cursor=cursor, resources={"settings": settings, "drop": drop},
                                              instance=instance)
            return ftp_new_files(context)

        backfill_id = backfill.submit(defs, instance, {AssetKeyPartitionKey(dg.AssetKey(["bronze", "deaths"]), "2019")},
                                      title="test")
        waiting = sensor_tick()
        assert waiting.run_requests == [] and backfill_id in waiting.skip_reason.skip_message
        done = instance.get_backfill(backfill_id).with_status(BulkActionStatus.COMPLETED_SUCCESS)
        instance.update_backfill(done)
        after = sensor_tick(waiting.cursor)
        assert [r.partition_key for r in after.run_requests] == ["2019"]  # not landed by the backfill: requested now
