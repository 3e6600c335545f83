"""`chu run` (the build jobs' range runs) and a Dagster asset backfill run by the daemon build
the same lake from the same drop; a backfill of two years re-executes only those years and what
reads them."""

import shutil
import uuid

import dagster as dg
import polars as pl
from polars.testing import assert_frame_equal

from chu_platform.lib import delta_store, postgres
from chu_platform_tests.operations import backfills as bf

YEARS = ("2018", "2019", "2020")


def _tables(data) -> dict[str, pl.DataFrame]:
    """Every gold and marts table, lineage and fingerprint columns left out, rows sorted."""
    found = {}
    for log in sorted((data / "lake").glob("*/*/_delta_log")):
        table = log.parent
        if table.parent.name not in ("gold", "marts"):
            continue
        df = delta_store.read(str(table))
        df = df.select([c for c in df.columns if not c.startswith("_")])
        found[f"{table.parent.name}/{table.name}"] = df.sort(pl.all())
    return found


def _materialised(env, backfill_id: str) -> set[tuple[str, str | None]]:
    with dg.DagsterInstance.get() as instance:
        runs = instance.get_runs(dg.RunsFilter(tags={"dagster/backfill": backfill_id}))
        events = [e for run in runs for e in instance.all_logs(run.run_id, of_type=dg.DagsterEventType.ASSET_MATERIALIZATION)]
    return {(e.dagster_event.asset_key.to_user_string(), e.dagster_event.partition) for e in events}


def test_chu_run_and_a_backfill_build_the_same_lake(tmp_path, pg_dsn, pg_server_dsn, monkeypatch):
    bf.generate(tmp_path / "generated", years=f"{YEARS[0]}-{YEARS[-1]}")
    lakes = {}
    # Each path its own data directory and instance (the run path's on a database of its own).
    run_dsn = postgres.create_database(pg_server_dsn, "chu_test_" + uuid.uuid4().hex[:12])
    for path, dsn in (("run", run_dsn), ("backfill", pg_dsn)):
        data = tmp_path / path / "data"
        home, env = bf.platform_env(data, dsn)
        shutil.rmtree(data / "landing")
        shutil.copytree(tmp_path / "generated" / "landing", data / "landing")
        if path == "run":
            done = bf.chu(env, "run", "--sources", "deaths")
            # A quiet console: range runs' checks raise no framework warning, nothing beta is news.
            assert "Warning" not in done.stderr and "emitted no result" not in done.stderr, done.stderr
        else:
            bf.stop_sensor(env, "ftp_new_files")
            done = bf.chu(env, "backfill", "--from", YEARS[0], "--to", YEARS[-1], "--sources", "deaths")
        assert done.returncode == 0, done.stdout + done.stderr
        lakes[path] = (data, env, done.stdout)
    postgres.drop_database(pg_server_dsn, run_dsn.rsplit("/", 1)[-1])
    run, backfill = _tables(lakes["run"][0]), _tables(lakes["backfill"][0])
    assert sorted(run) == sorted(backfill) and "gold/fact_deces" in run and "marts/deaths_by_region" in run
    for name in run:
        assert_frame_equal(run[name], backfill[name], check_row_order=False), name

    # A backfill of two of the three years, forced: only those years of the partitioned assets
    # and what is unpartitioned below them are materialised again.
    data, env, _ = lakes["backfill"]
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    again = bf.chu(env, "backfill", "--from", "2019", "--to", "2020", "--sources", "deaths", "--force")
    assert again.returncode == 0, again.stdout + again.stderr
    done = _materialised(env, bf.backfill_id(again.stdout))
    years = {p for _, p in done if p is not None}
    assert years == {"2019", "2020"}, sorted(done, key=str)
    assert ("gold/fact_deces", "2019") in done and ("marts/deaths_by_region", None) in done
    assert_frame_equal(_tables(data)["gold/fact_deces"], backfill["gold/fact_deces"], check_row_order=False)
