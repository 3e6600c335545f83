"""Two `chu run` started together on one new data directory: one runs, the other is refused
at once with a message naming the first, and the tables hold what a single run writes."""

import os
import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner

from chu_platform.cli import cli
from chu_platform.lib import delta_store
from chu_platform.lib.lock import data_dir_lock

from .conftest import chu_run, write_deaths

YEARS = [2019, 2020]
CHU = str(Path(sys.executable).with_name("chu"))


def _row_counts(data: Path) -> dict[str, int]:
    lake = data / "lake"
    counts = {}
    for log in sorted(lake.glob("*/*/_delta_log")):
        name = f"{log.parent.parent.name}/{log.parent.name}"
        counts[name] = delta_store.read(str(log.parent)).height
    return counts


def _env(data: Path) -> dict[str, str]:
    return {**os.environ, "CHU_DATA_DIR": str(data), "CHU_LANDING_DIR": str(data / "landing")}


def test_a_second_run_is_refused_while_one_holds_the_data_directory(landing):
    write_deaths(landing, YEARS)
    data = landing.parent
    with data_dir_lock(data):
        refused = CliRunner().invoke(cli, ["run", "--sources", "deaths"])
    assert refused.exit_code == 1
    assert "in use by another chu run" in refused.output and f"pid {os.getpid()}" in refused.output
    assert not (data / "lake").exists(), "the refused run wrote something"
    chu_run("--sources", "deaths")
    assert (data / "lake" / "gold" / "fact_deces").is_dir()


def test_concurrent_runs_leave_the_counts_of_a_single_run(landing, tmp_path, monkeypatch):
    write_deaths(landing, YEARS)
    data = landing.parent
    command = [CHU, "run", "--sources", "deaths"]
    runs = [subprocess.Popen(command, env=_env(data), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
            for _ in range(2)]
    outputs = [run.communicate(timeout=300)[0] for run in runs]
    codes = sorted(run.returncode for run in runs)
    assert codes == [0, 1], outputs
    refused = outputs[[run.returncode for run in runs].index(1)]
    assert "in use by another chu run" in refused, refused

    single = tmp_path / "single"
    write_deaths(single / "landing", YEARS)
    monkeypatch.setenv("CHU_DATA_DIR", str(single))
    monkeypatch.setenv("CHU_LANDING_DIR", str(single / "landing"))
    chu_run("--sources", "deaths")
    counts = _row_counts(data)
    assert counts == _row_counts(single)
    assert counts["gold/agg_deaths_by_region"] > 0 and counts["bronze/deaths"] > 0
    for name in ("silver/deaths", "gold/fact_deces"):
        table = delta_store.read(str(data / "lake" / name))
        assert table["deces_id"].is_duplicated().sum() == 0, name
