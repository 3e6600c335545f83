"""Two `chu backfill` of different years started together on one data directory: they share one
daemon (started by the first, stopped by the last to end), both complete, and every year's
rows are exact. A backfill of the pre-aggregates' three years is one run (their single-run
backfill policy)."""

from __future__ import annotations

import subprocess

import dagster as dg
import polars as pl
import pytest
from dagster._core.definitions.events import AssetKeyPartitionKey
from polars.testing import assert_frame_equal

from chu_platform.orchestration import backfill as backfills
from chu_platform.deploy import services
from chu_platform.cli.run import load_definitions
from chu_platform.lib import delta_store
from chu_platform.layers.marts import aggregates
from chu_platform.deploy.settings import project_root
from chu_platform_tests.operations import backfills as bf
from chu_platform_tests.operations.conftest import VENV_BIN


def _rows_by_year(uri) -> dict[int, int]:
    return dict(delta_store.read(str(uri)).group_by("year").len().iter_rows())


def test_two_backfills_at_once_one_is_refused_and_the_years_are_exact(tmp_path, pg_dsn):
    # No late declarations: a year's deaths then come from its own register only, so the two
    # backfills are independent (a late one couples the years; late_death_declarations repairs).
    manifest = bf.generate(tmp_path / "generated", rates=(*bf.NO_LOST_LINES, "death_late=0"))
    data = tmp_path / "data"
    home, env = bf.platform_env(data, pg_dsn)
    bf.stop_sensor(env, "ftp_new_files")  # the backfills load the files, not the drop sensor
    for year in (2018, 2019, 2020):
        bf.deliver(tmp_path / "generated" / "landing" / "deces", data / "landing", f"deces-{year}.txt")

    command = [str(VENV_BIN / "chu"), "backfill", "--sources", "deaths", "--timeout", "900"]
    both = [subprocess.Popen([*command, "--from", first, "--to", last], env=env, cwd=project_root(),
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            for first, last in (("2018", "2018"), ("2019", "2020"))]
    outputs = [p.communicate(timeout=1000) for p in both]
    # One build at a time: the second is refused at once, naming the first; the first completes.
    assert sorted(p.returncode for p in both) == [0, 1], outputs
    refused = [out + err for p, (out, err) in zip(both, outputs) if p.returncode == 1][0]
    assert "in use by another chu run or backfill" in refused or "another build is under way" in refused, refused
    assert services.running_pid(home, "daemon") is None  # the backfill that started it stopped it
    # Run again, the refused one completes.
    first, last = [a for p, a in zip(both, (("2018", "2018"), ("2019", "2020"))) if p.returncode == 1][0]
    retried = subprocess.run([*command, "--from", first, "--to", last], env=env, cwd=project_root(),
                             capture_output=True, text=True, timeout=1000)
    assert retried.returncode == 0, retried.stdout + retried.stderr

    lake = data / "lake"
    lines = {int(f["path"][-8:-4]): f["data_lines"] for f in manifest["files"] if f["path"].startswith("deces/")}
    bronze = _rows_by_year(lake / "bronze" / "deaths")
    rejects = delta_store.read(str(lake / "bronze" / "rejects")).filter(pl.col("entity") == "deaths")
    rejected = dict(rejects.group_by("year").len().iter_rows())
    assert {y: bronze.get(y, 0) + rejected.get(y, 0) for y in lines} == lines
    assert _rows_by_year(lake / "silver" / "death_declarations") == bronze
    deaths = {str(y): n for y, n in _rows_by_year(lake / "gold" / "fact_deces").items()}
    assert deaths == manifest["truth"]["deaths_by_year"]
    by_region = delta_store.read(str(lake / "gold" / "agg_deaths_by_region")).group_by("year").agg(pl.col("deaths").sum())
    assert {str(y): n for y, n in by_region.iter_rows()} == manifest["truth"]["deaths_by_year"]

    # A backfill of the pre-aggregates alone over the three years (every fact year there): one
    # run (their single-run backfill policy), the same rows as the backfills' runs wrote.
    before = delta_store.read(str(lake / "gold" / "agg_deaths_by_region")).sort(pl.all())
    with bf.daemon(home, env), pytest.MonkeyPatch.context() as patch:
        for name, value in env.items():
            patch.setenv(name, value)
        defs = load_definitions()
        with dg.DagsterInstance.get() as instance:
            keys = {dg.AssetKey(["gold", "agg_deaths_by_region"])}
            wanted = {AssetKeyPartitionKey(k, str(y)) for k in keys for y in (2018, 2019, 2020)}
            backfill_id = backfills.submit(defs, instance, wanted, title="aggregates 2018-2020")
            state = backfills.follow(defs, instance, backfill_id, lambda s: None, timeout=300)
    assert state.success, state
    runs = bf.runs_of_backfill(pg_dsn, backfill_id)
    assert [(t["dagster/asset_partition_range_start"], t["dagster/asset_partition_range_end"]) for _, _, t in runs] \
        == [("2018", "2020")]
    after = delta_store.read(str(lake / "gold" / "agg_deaths_by_region")).sort(pl.all())
    assert_frame_equal(after.drop(aggregates.INPUTS), before.drop(aggregates.INPUTS))
