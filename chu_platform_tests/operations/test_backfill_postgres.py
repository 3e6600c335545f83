"""The Dagster instance on PostgreSQL, end to end: the drop sensor loads a new file under the
daemon, `chu backfill` of three years runs through that daemon with one year's file corrupt,
the run records are in PostgreSQL, and the same command after the file is fixed re-executes
only what failed: that year, and what its failure had blocked."""

from __future__ import annotations

import json

import polars as pl

from chu_platform.lib import delta_store
from chu_platform_tests.operations import backfills as bf
from chu_platform_tests.operations.backfills import query

YEARS = ("2018", "2019", "2020")


def _materialised_by_run(dsn: str, run_ids: list[str]) -> set[tuple[str, str, str | None]]:
    rows = query(dsn, "SELECT run_id, asset_key, partition FROM event_logs WHERE dagster_event_type = "
                      "'ASSET_MATERIALIZATION' AND run_id = ANY(%s)", run_ids)
    return {(run, "/".join(json.loads(key)), partition) for run, key, partition in rows}


def _materialised(dsn: str, run_ids: list[str]) -> set[tuple[str, str | None]]:
    """(asset, partition) of every materialisation the runs stored, from PostgreSQL's event log."""
    rows = query(dsn, "SELECT asset_key, partition FROM event_logs WHERE dagster_event_type = "
                      "'ASSET_MATERIALIZATION' AND run_id = ANY(%s)", run_ids)
    return {("/".join(json.loads(key)), partition) for key, partition in rows}


def _years_of(tags: dict) -> set[str]:
    """The years of a run: its partition, or every year of its range."""
    if "dagster/partition" in tags:
        return {tags["dagster/partition"]}
    first, last = int(tags["dagster/asset_partition_range_start"]), int(tags["dagster/asset_partition_range_end"])
    return {str(y) for y in range(first, last + 1)}


def test_sensor_load_then_backfill_resumes_only_the_failed_year(tmp_path, pg_dsn):
    manifest = bf.generate(tmp_path / "generated")
    register = tmp_path / "generated" / "landing" / "deces"
    data = tmp_path / "data"
    home, env = bf.platform_env(data, pg_dsn)
    landing = data / "landing"
    with bf.daemon(home, env):
        # The drop sensor: a new 2018 register loads under the daemon, with no command.
        bf.deliver(register, landing, "deces-2018.txt")
        loaded = bf.wait_for(lambda: query(pg_dsn, "SELECT r.run_id, r.status FROM runs r JOIN run_tags t ON "
                                                   "t.run_id = r.run_id WHERE t.key = 'dagster/sensor_name' AND "
                                                   "t.value = 'ftp_new_files' AND r.status IN ('SUCCESS', 'FAILURE')"),
                             240, "the sensor's run of deces-2018.txt")
        assert [status for _, status in loaded] == ["SUCCESS"], loaded
        assert ("bronze/deaths", "2018") in _materialised(pg_dsn, [loaded[0][0]])
        # From here the backfill loads the other years, not the sensor.
        bf.stop_sensor(env, "ftp_new_files")

        bf.deliver(register, landing, "deces-2019.txt", bf.cut_lines)
        bf.deliver(register, landing, "deces-2020.txt")
        first = bf.chu(env, "backfill", "--from", "2018", "--to", "2020", "--sources", "deaths")
        assert first.returncode == 1, first.stdout + first.stderr
        assert "run the same command again" in first.stderr
        first_id = bf.backfill_id(first.stdout)
        first_runs = bf.runs_of_backfill(pg_dsn, first_id)
        assert first_runs and {s for _, s, _ in first_runs} <= {"SUCCESS", "FAILURE"}
        failed = [tags for _, status, tags in first_runs if status == "FAILURE"]
        # One range run of the deaths chain over 2019-2020 (five years per run): it fails on 2019.
        assert len(failed) == 1 and _years_of(failed[0]) == {"2019", "2020"}, failed
        first_done = _materialised(pg_dsn, [r for r, _, _ in first_runs])
        assert ("bronze/deaths", "2020") in first_done and ("bronze/deaths", "2018") not in first_done

        bf.deliver(register, landing, "deces-2019.txt")
        second = bf.chu(env, "backfill", "--from", "2018", "--to", "2020", "--sources", "deaths")
        assert second.returncode == 0, second.stdout + second.stderr
        second_runs = bf.runs_of_backfill(pg_dsn, bf.backfill_id(second.stdout))
        assert {s for _, s, _ in second_runs} == {"SUCCESS"}
        redone = _materialised(pg_dsn, [r for r, _, _ in second_runs])
        # The pre-aggregates' three years: as few runs as the facts' completion allows (one
        # when the three fact years are done by the same backfill tick; five years per run).
        aggregate_runs = {r for r, a, _ in _materialised_by_run(pg_dsn, [r for r, _, _ in second_runs])
                          if a.startswith("gold/agg_")}
        assert 1 <= len(aggregate_runs) <= 3

    # Only the failed year's file is loaded again: 2018 (the sensor's) and 2020 (the first
    # backfill's) are not; what the failure blocked follows: 2020's declarations were in the
    # failed range run, after the blocking check, and every year of silver/deaths reads every
    # year of declarations.
    assert {p for a, p in redone if a == "bronze/deaths"} == {"2019"}, sorted(redone, key=str)
    assert {p for a, p in redone if a == "silver/death_declarations"} == {"2019", "2020"}
    lake = data / "lake"
    bronze = delta_store.read(str(lake / "bronze" / "deaths"))
    rejects = delta_store.read(str(lake / "bronze" / "rejects")).filter(pl.col("entity") == "deaths")
    lines = sum(f["data_lines"] for f in manifest["files"] if f["path"].startswith("deces/"))
    assert bronze.height + rejects.height == lines
    facts = delta_store.read(str(lake / "gold" / "fact_deces"), [int(y) for y in YEARS])
    per_year = dict(facts.group_by("year").len().iter_rows())
    assert {str(y): n for y, n in per_year.items()} == manifest["truth"]["deaths_by_year"]
    # The run storage is PostgreSQL's: the daemon's heartbeats and every run are there.
    assert query(pg_dsn, "SELECT count(*) FROM runs")[0][0] >= len(first_runs) + len(second_runs) + 1
    assert query(pg_dsn, "SELECT count(*) FROM daemon_heartbeats")[0][0] > 0
