"""Faults injected into small generated deliveries, then `chu run` as an operator would run it."""

from pathlib import Path

import dagster as dg
import polars as pl
import pytest
from click.testing import CliRunner
from dagster._core.storage.asset_check_execution_record import AssetCheckExecutionRecordStatus

from chu_platform.cli import cli
from chu_platform.generate import Rates
from chu_platform.generate import deaths as generated_deaths
from chu_platform.lib import delta_store

# Register defects that are not line damage: every line of the files is a bronze row.
CLEAN = Rates(death_duplicate=0.02, death_late=0.03, unknown_date_part=0.0, stray_bytes=0.0, truncated_line=0.0,
              overlong_line=0.0, wrong_field_count=0.0, impossible_date=0.0)


def write_deaths(landing: Path, years: list[int], rates: Rates = CLEAN, scale: float = 0.002, seed: int = 5,
                 fmt: str = "insee_fixed") -> dict[str, int]:
    """The register files of ``years`` in the drop; returns the deaths generated per year of death."""
    _, truth = generated_deaths.write(landing, seed, scale, years, rates, fmt)
    return {int(year): count for year, count in truth["deaths_by_year"].items()}


def chu_run(*args: str) -> str:
    result = CliRunner().invoke(cli, ["run", *args], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


def table(data: Path, layer: str, name: str) -> pl.DataFrame:
    uri = delta_store.table_uri(str(data / "lake"), [layer, name])
    return delta_store.read(uri) if delta_store.exists(uri) else pl.DataFrame()


def check_results(asset: list[str], check: str) -> dict[str | None, bool]:
    """The latest result of a check per partition, from the instance ``chu run`` used."""
    instance = dg.DagsterInstance.get()
    key = dg.AssetCheckKey(dg.AssetKey(asset), check)
    records = instance.event_log_storage.get_asset_check_execution_history(key, limit=1000)
    done = (AssetCheckExecutionRecordStatus.SUCCEEDED, AssetCheckExecutionRecordStatus.FAILED)
    latest: dict[str | None, bool] = {}
    for record in sorted(records, key=lambda r: r.id):
        if record.status in done:
            latest[record.partition] = record.status == AssetCheckExecutionRecordStatus.SUCCEEDED
    return latest


@pytest.fixture
def landing(chu_env: Path) -> Path:
    path = chu_env / "landing"
    path.mkdir(parents=True)
    return path


def blank_death_dates(path: Path, every: int = 10) -> int:
    """Fault: every ``every``-th line of a fixed-width register gets its day of death as 00
    (and every other such line its month too), as INSEE writes unknown parts; returns how many."""
    lines = path.read_bytes().split(b"\n")
    changed = 0
    for i in range(0, len(lines), every):
        line = lines[i]
        if len(line) < 162:
            continue
        date = line[154:162]
        blanked = date[:6] + b"00" if changed % 2 == 0 else date[:4] + b"0000"
        lines[i] = line[:154] + blanked + line[162:]
        changed += 1
    path.write_bytes(b"\n".join(lines))
    return changed
