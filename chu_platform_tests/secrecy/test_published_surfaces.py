"""A small run of the whole platform, then every surface a person can open, tried as they would.

One `chu generate` + `chu run` + `chu query` at a small scale, with BI access given to an OS
group (CHU_BI_GROUP) whose member, an unprivileged user created here, is the BI tool. Then: the
modes of everything under data/; that user opening the published warehouse and trying the lake;
every table of that warehouse; every event of the Dagster instance.
"""

from __future__ import annotations

import multiprocessing
import os
import pwd
import re
import shutil
import stat
import subprocess
import tempfile
import uuid
from pathlib import Path

import dagster as dg
import duckdb
import pytest
from click.testing import CliRunner
from dagster._serdes import serialize_value

from chu_platform.cli import cli
from chu_platform.lib import delta_store, postgres
from chu_platform.lib.markdown import table_cells
from chu_platform.layers.marts import export
from chu_platform.layers.marts.secrecy import BOUND_COUNTS, BOUND_DERIVED, MASKED, PERSONAL_COLUMNS
from chu_platform.lib.permissions import open_to_others
from chu_platform_tests.bi import clients

AS_ROOT = os.geteuid() == 0


@pytest.fixture(scope="module")
def bi_user():
    """An unprivileged OS user in its own group, the BI tool's account (as root only)."""
    if not AS_ROOT:
        yield None
        return
    name = "chubi" + uuid.uuid4().hex[:8]
    subprocess.run(["groupadd", name], check=True)
    subprocess.run(["useradd", "--no-create-home", "--gid", name, "--shell", "/usr/sbin/nologin", name], check=True)
    yield pwd.getpwnam(name)
    subprocess.run(["userdel", name], check=False)
    subprocess.run(["groupdel", name], check=False)


@pytest.fixture(scope="module")
def platform(pg_server_dsn, bi_user):
    # Parents any user may traverse: only the platform's own modes may stop the BI user.
    base = Path(tempfile.mkdtemp(prefix="chu-secrecy-", dir="/tmp"))
    base.chmod(0o755)
    data = base / "data"
    name = "chu_test_" + uuid.uuid4().hex[:12]
    dsn = postgres.create_database(pg_server_dsn, name)
    env = {"CHU_DATA_DIR": str(data), "CHU_LANDING_DIR": str(data / "landing"), "CHU_LAKE_URI": "",
           "CHU_SOURCE_DSN": dsn, "CHU_PSEUDONYM_KEY": "test-key-not-secret",
           "CHU_BI_GROUP": bi_user.pw_name if bi_user else ""}
    with pytest.MonkeyPatch.context() as patch:
        for key, value in env.items():
            patch.setenv(key, value)
        patch.delenv("DAGSTER_HOME", raising=False)
        patch.delenv("DAGSTER_PG_URL", raising=False)
        runner = CliRunner()
        for args in (["generate", "--scale", "0.003", "--seed", "11", "--years", "2019-2020"], ["run"],
                     ["query", "deaths_by_region", "--year", "2019"]):
            result = runner.invoke(cli, args, catch_exceptions=False)
            assert result.exit_code == 0, result.output
        yield data
    postgres.drop_database(pg_server_dsn, name)
    shutil.rmtree(base)


def test_everything_under_data_is_owner_only_but_the_published_warehouse(platform, bi_user):
    opened = {path.relative_to(platform.parent): mode for path, mode in open_to_others(platform)}
    if bi_user is None:
        assert opened == {}
        return
    exported = {Path("data/export") / name: "-rw-r-----" for name in export.published_names()}
    assert opened == {Path("data"): "drwx--x---", Path("data/warehouse.duckdb"): "-rw-r-----",
                      Path("data/export"): "drwxr-x---", **exported}
    for path in (platform, platform / "warehouse.duckdb", platform / "export", platform / "export" / export.WORKBOOK):
        assert path.stat().st_gid == bi_user.pw_gid
    assert len(list(platform.rglob("*"))) > 100, "the run wrote the lake, the instance and the warehouses"


def _as_user(uid: int, gid: int, data: str, probe: str, control: str, out) -> None:
    """In a forked child: become the BI user, then try what a BI tool could."""
    os.setgroups([gid])
    os.setgid(gid)
    os.setuid(uid)
    os.environ["HOME"] = "/tmp"
    found = {}
    try:
        with duckdb.connect(f"{data}/warehouse.duckdb", read_only=True) as con:
            found["warehouse_rows"] = con.execute("SELECT count(*) FROM deaths_by_region").fetchone()[0]
            try:
                con.execute(f"SELECT count(*) FROM read_parquet('{probe}')").fetchone()
                found["lake"] = "read"
            except duckdb.Error as exc:
                found["lake"] = type(exc).__name__ + ": " + str(exc)[:200]
            found["control"] = con.execute(f"SELECT count(*) FROM read_csv('{control}')").fetchone()[0]
        with open(f"{data}/export/{export.WORKBOOK}", "rb") as workbook:
            found["workbook"] = workbook.read(4)
    except Exception as exc:  # noqa: BLE001 - reported to the parent, which fails the test
        found["error"] = repr(exc)
    for target in (f"{data}/analysts/warehouse.duckdb", probe, f"{data}/lake", data):
        try:
            os.listdir(target) if os.path.isdir(target) or target == data else open(target, "rb").close()
            found[target] = "readable"
        except OSError as exc:
            found[target] = type(exc).__name__
    out.send(found)


def test_bi_user_opens_the_warehouse_but_cannot_read_the_lake(platform, bi_user):
    probe = next((platform / "lake" / "bronze" / "care_patients").rglob("*.parquet"))
    if bi_user is None:
        # Not root: no other user to become; the modes are what would stop one.
        assert stat.S_IMODE(platform.stat().st_mode) == 0o700 and stat.S_IMODE(probe.stat().st_mode) == 0o600
        return
    control = platform.parent / "control.csv"
    control.write_text("a\n1\n2\n")
    control.chmod(0o644)
    parent, child = multiprocessing.get_context("fork").Pipe()
    worker = multiprocessing.get_context("fork").Process(
        target=_as_user, args=(bi_user.pw_uid, bi_user.pw_gid, str(platform), str(probe), str(control), child))
    worker.start()
    worker.join(60)
    assert worker.exitcode == 0 and parent.poll(), "the BI user's probe did not finish"
    found = parent.recv()
    assert "error" not in found, found
    assert found["warehouse_rows"] > 0 and found["control"] == 2, found
    assert found["workbook"] == b"PK\x03\x04", "the BI group reads the exported workbook (a zip)"
    # DuckDB cannot even see the file ("No files found") or is refused it: either way, no rows.
    assert found["lake"] != "read" and found[str(probe)] == "PermissionError", found
    assert found[f"{platform}/analysts/warehouse.duckdb"] == "PermissionError"
    assert found[f"{platform}/lake"] == "PermissionError" and found[str(platform)] == "PermissionError"


def test_published_warehouse_has_no_small_count_and_nothing_row_level(platform):
    with duckdb.connect(str(platform / "warehouse.duckdb"), read_only=True) as con:
        tables = [r[0] for r in con.execute("SELECT table_name FROM information_schema.tables").fetchall()]
        assert {"deaths_by_region", "agg_deaths_by_region", "dim_geography"} <= set(tables)
        assert not [t for t in tables if t.startswith("fact_") or t == "dim_patient"]
        masked = 0
        for table in tables:
            columns = [r[0] for r in con.execute(f'DESCRIBE "{table}"').fetchall()]
            assert not PERSONAL_COLUMNS & {c.lower() for c in columns}, table
            assert not [c for c in columns if "pseudo" in c.lower()], table
            counts = [c for c in BOUND_COUNTS if c in columns]
            for column in counts:
                small = con.execute(f'SELECT count(*) FROM "{table}" WHERE "{column}" BETWEEN 1 AND 9').fetchone()[0]
                assert small == 0, f"{table}.{column} shows {small} counts from 1 to 9"
            for column in (c for c in BOUND_DERIVED if c in columns and counts):
                from_hidden = " OR ".join(f'"{c}" IS NULL' for c in counts)
                shown = con.execute(f'SELECT count(*) FROM "{table}" WHERE "{column}" IS NOT NULL AND ({from_hidden})').fetchone()[0]
                assert shown == 0, f"{table}.{column}: {shown} figures computed from a masked count"
            if MASKED in columns:
                masked += con.execute(f'SELECT count(*) FROM "{table}" WHERE "{MASKED}"').fetchone()[0]
    assert masked > 0, "the small run has cells to mask, or this test would prove nothing"


def test_the_oldest_duckdb_tried_reads_both_warehouses_of_a_full_run(platform, tmp_path):
    """DuckDB 1.1.3 (bundled by BI drivers of 2024) reads every table and view the run built,
    aggregates and dates included, exactly as the platform's own DuckDB does."""
    paths = [platform / "warehouse.duckdb", platform / "analysts" / "warehouse.duckdb"]
    got = clients.read_with(clients.client_python(clients.VERSIONS[0]), paths, clients.newest_format_file(tmp_path))
    assert got["files"] == clients.read_here(paths)
    assert {"dim_date", "agg_deaths_by_region", "deaths_by_region"} <= set(got["files"][str(paths[0])])
    assert {"fact_consultation", "dim_patient"} <= set(got["files"][str(paths[1])])


def test_no_stored_event_shows_a_small_count_or_a_pseudonym(platform):
    instance = dg.DagsterInstance.from_config(str(platform / "dagster"))
    pseudonyms = set(delta_store.read(delta_store.table_uri(str(platform / "lake"), ["gold", "dim_patient"]))
                     ["patient_pseudo"].drop_nulls().to_list())
    # The unknown patient's placeholder is a word, not a pseudonym.
    pseudonyms = {p for p in pseudonyms if len(p) >= 16}
    assert pseudonyms
    pattern = re.compile("|".join(re.escape(p) for p in pseudonyms))
    previews = leaks = 0
    small = []
    runs = instance.get_runs()
    assert runs
    for run in runs:
        for entry in instance.all_logs(run.run_id):
            text = serialize_value(entry)
            hit = pattern.search(text)
            assert hit is None, f"a pseudonym in the event log of run {run.run_id}: {entry.dagster_event_type}"
            event = entry.dagster_event
            if event is None or not event.is_step_materialization and not event.event_type_value.startswith("ASSET_CHECK"):
                continue
            data = event.event_specific_data
            metadata = getattr(getattr(data, "materialization", None), "metadata", None) or getattr(data, "metadata", {}) or {}
            for key, value in metadata.items():
                if not isinstance(value, dg.MarkdownMetadataValue | dg.TextMetadataValue):
                    continue
                previews += 1
                for column, cell in table_cells(str(value.value)):
                    if column in BOUND_COUNTS and re.fullmatch(r"[1-9](\.0)?", cell):
                        small.append((event.asset_key.to_user_string() if event.asset_key else "?", key, column, cell))
                    leaks += column.lower() in PERSONAL_COLUMNS
    assert previews > 20
    assert small == [] and leaks == 0, small[:10]
