"""Helpers of the backfill tests: a data directory on a PostgreSQL instance, its daemon, `chu`
as a user runs it, and the run records read from PostgreSQL with psycopg2."""

from __future__ import annotations

import json
import shutil
import subprocess
import time
from contextlib import closing, contextmanager
from pathlib import Path

import psycopg2

from chu_platform.deploy import services
from chu_platform.deploy.instance import prepare_home
from chu_platform.deploy.settings import project_root
from chu_platform_tests.operations.conftest import VENV_BIN, bare_env

BACKFILL_TAG = "dagster/backfill"


# Defects that make a register line unreadable: without them every death of the manifest's
# truth reaches gold (late declarations and duplicates are kept: what the layers resolve).
NO_LOST_LINES = ("stray_bytes=0", "truncated_line=0", "overlong_line=0", "impossible_date=0")


def generate(target: Path, years: str = "2018-2020", rates: tuple[str, ...] = NO_LOST_LINES) -> dict:
    """The drop of ``years`` at scale 0.001 (no care database) under ``target/landing``; the manifest."""
    subprocess.run([str(VENV_BIN / "chu"), "generate", "--no-database", "--scale", "0.001", "--years", years,
                    "--landing", str(target / "landing"), *(a for r in rates for a in ("--rate", r))],
                   check=True, capture_output=True, timeout=300)
    return json.loads((target / "generation-manifest.json").read_text())


def platform_env(data: Path, pg_dsn: str) -> tuple[Path, dict[str, str]]:
    """A user's shell with the data directory and the PostgreSQL instance set; the prepared home."""
    env = bare_env(CHU_DATA_DIR=str(data), CHU_LANDING_DIR=str(data / "landing"),
                   CHU_PSEUDONYM_KEY="test-key-not-secret", DAGSTER_PG_URL=pg_dsn,
                   PYTHONWARNINGS="ignore::DeprecationWarning")
    (data / "landing" / "deces").mkdir(parents=True, exist_ok=True)
    home = prepare_home(data, env)
    # The schema created once here: processes started together would race to create it.
    subprocess.run([str(VENV_BIN / "python"), "-c", "import dagster as dg; dg.DagsterInstance.get().get_runs(limit=1)"],
                   env=env, check=True, capture_output=True, timeout=120)
    return home, env


@contextmanager
def daemon(home: Path, env: dict[str, str]):
    """One daemon on the instance (as `make up` starts it), stopped by PID at the end."""
    pid = services.start("daemon", home, env)
    try:
        yield pid
    finally:
        services.stop(home, "daemon")


def chu(env: dict[str, str], *args: str, timeout: float = 600) -> subprocess.CompletedProcess:
    return subprocess.run([str(VENV_BIN / "chu"), *args], env=env, cwd=project_root(), capture_output=True,
                          text=True, timeout=timeout)


def deliver(source: Path, landing: Path, name: str, transform=None) -> None:
    """Put a generated register file into the drop (through a temporary name, as an upload ends)."""
    data = (source / name).read_bytes()
    partial = landing / "deces" / f".{name}.part"
    partial.write_bytes(transform(data) if transform else data)
    partial.rename(landing / "deces" / name)


def cut_lines(data: bytes) -> bytes:
    """A register whose lines were cut at 100 characters: every line rejected."""
    return b"\n".join(line[:100] for line in data.split(b"\n"))


def stop_sensor(env: dict[str, str], name: str) -> None:
    result = subprocess.run([str(VENV_BIN / "dagster"), "sensor", "stop", name, "-w", "workspace.yaml"],
                            env=env, cwd=project_root(), capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr


def query(dsn: str, sql: str, *params) -> list[tuple]:
    with closing(psycopg2.connect(dsn)) as con, con.cursor() as cur:
        cur.execute(sql, params)
        return cur.fetchall()


def runs_of_backfill(dsn: str, backfill_id: str) -> list[tuple[str, str, dict[str, str]]]:
    """(run_id, status, tags) of each run the backfill created, from PostgreSQL's run storage."""
    rows = query(dsn, "SELECT r.run_id, r.status FROM runs r JOIN run_tags t ON t.run_id = r.run_id "
                      "WHERE t.key = %s AND t.value = %s", BACKFILL_TAG, backfill_id)
    runs = []
    for run_id, status in rows:
        tags = dict(query(dsn, "SELECT key, value FROM run_tags WHERE run_id = %s", run_id))
        runs.append((run_id, status, tags))
    return runs


def backfill_id(output: str) -> str:
    line = next(line for line in output.splitlines() if line.startswith("Backfill "))
    return line.split()[1].rstrip(":")


def wait_for(predicate, timeout: float, what: str, poll: float = 1.0):
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        value = predicate()
        if value:
            return value
        time.sleep(poll)
    raise AssertionError(f"not within {timeout:.0f} s: {what}")


def copy_tree(source: Path, target: Path) -> None:
    shutil.copytree(source, target, dirs_exist_ok=True)
