"""Small generated platforms with faults injected into their files, and `chu run` / `chu query` on them."""

import json
import os
import pwd
import shutil
from pathlib import Path
from unittest import mock

import pytest
from click.testing import CliRunner

from chu_platform.cli import cli
from chu_platform.generate import Rates, generate

YEAR = 2020
# No damaged lines and no duplicates: every expected figure is then read straight from the files.
CLEAN = Rates(death_duplicate=0.0, death_late=0.0, unknown_date_part=0.0, stray_bytes=0.0, truncated_line=0.0,
              overlong_line=0.0, wrong_field_count=0.0, impossible_date=0.0, unknown_diagnosis=0.0,
              noncanonical_region=0.3, unscored_establishment=0.1, professional_without_activity=0.05)
SCALE = 0.002


@pytest.fixture(scope="session")
def generated_drop(tmp_path_factory) -> Path:
    """A clean generated drop of one year (no care database), copied by each test."""
    landing = tmp_path_factory.mktemp("generated") / "landing"
    generate(landing, scale=SCALE, seed=5, years=(YEAR,), rates=CLEAN, load_database=False)
    return landing


def deliver(generated: Path, chu_env: Path, *names: str) -> Path:
    """Copy the generated files whose path starts with one of ``names`` into the drop."""
    landing = chu_env / "landing"
    for source in generated.rglob("*"):
        relative = source.relative_to(generated).as_posix()
        if source.is_file() and any(relative.startswith(n) for n in names):
            target = landing / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, target)
    landing.mkdir(parents=True, exist_ok=True)
    return landing


def chu(*args: str):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def query(name: str, year: int = YEAR) -> list[dict]:
    # Exact answers: the test's OS user is the one authorised to lift secrecy.
    with mock.patch.dict(os.environ, {"CHU_UNMASK_USERS": pwd.getpwuid(os.geteuid()).pw_name}):
        result = chu("query", name, "--year", str(year), "--format", "json", "--no-secrecy")
    assert result.exit_code == 0, result.output
    return json.loads(result.output[result.output.index("["):])


# Columns that say when or by which run a row was written, not what it holds; `_inputs` is
# a pre-aggregate's key over its input tables' Delta versions.
RUN_COLUMNS = ("_ingested_at", "_run_id", "_inputs", "modified_at")
# History tables: what was delivered and done, not a state rebuilt from it.
HISTORY_TABLES = ("raw/manifest", "raw/withdrawals", "ops/secrecy_audit")


def lake_rows(data_dir: Path) -> dict:
    """Every table of the lake but the histories: its rows sorted, run columns left out."""
    from chu_platform.lib import delta_store

    lake = data_dir / "lake"
    tables = {}
    for log in sorted(lake.glob("*/*/_delta_log")):
        name = log.parent.relative_to(lake).as_posix()
        if name in HISTORY_TABLES:
            continue
        frame = delta_store.read(str(log.parent))
        frame = frame.drop([c for c in RUN_COLUMNS if c in frame.columns])
        tables[name] = frame.sort(sorted(frame.columns), nulls_last=True)
    return tables


def assert_same_lake(actual: dict, expected: dict) -> None:
    from polars.testing import assert_frame_equal

    assert sorted(actual) == sorted(expected)
    for name, frame in expected.items():
        try:
            assert_frame_equal(actual[name].select(frame.columns), frame)
        except AssertionError as error:
            raise AssertionError(f"{name}: {error}") from None
