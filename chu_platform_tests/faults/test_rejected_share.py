"""A delivery whose rejected share exceeds its source's threshold fails its blocking check,
naming the file and its first rejected lines; below the threshold it loads."""

import dagster as dg
import pytest

from chu_platform.layers.bronze import thresholds
from chu_platform.defs.bronze.assets import FILE_ASSETS
from chu_platform.defs.bronze.checks import BRONZE_CHECKS
from chu_platform.defs.bronze.resources import DropResource
from chu_platform.defs.resources import ChuSettings
from chu_platform.lib import delta_store
from chu_platform.defs.io_manager import DeltaIOManager
from chu_platform_tests.faults.conftest import YEAR, deliver

DEATHS = next(a for a in FILE_ASSETS if a.key.path[-1] == "deaths")
DEATH_CHECKS = next(c for c in BRONZE_CHECKS if dg.AssetKey(["bronze", "deaths"]) in {k.asset_key for k in c.check_keys})


def _cut_to_100(data: bytes) -> bytes:
    return b"\n".join(line[:100] for line in data.split(b"\n"))


def _as_csv(data: bytes) -> bytes:
    lines = [line.decode("utf-8") for line in data.split(b"\n") if line]
    return "\n".join(";".join(f'"{line[a:b].strip()}"' for a, b in ((0, 80), (80, 81), (81, 89), (154, 162)))
                     for line in lines).encode()


def _keep_97_percent(data: bytes) -> bytes:
    lines = data.split(b"\n")
    return b"\n".join(line[:100] if i % 40 == 0 else line for i, line in enumerate(lines))


def _materialize(chu_env, landing, share: str = "0.05"):
    settings = ChuSettings(data_dir=str(chu_env), landing_dir=str(landing), max_rejected_share=share)
    resources = {"settings": settings, "drop": DropResource(landing_dir=str(landing)),
                 "io_manager": DeltaIOManager(data_dir=str(chu_env))}
    result = dg.materialize([DEATHS, DEATH_CHECKS], resources=resources, partition_key=str(YEAR),
                            raise_on_error=False)
    checks = {e.check_name: e for e in result.get_asset_check_evaluations()}
    return settings, checks


@pytest.mark.parametrize("damage", [_cut_to_100, _as_csv], ids=["cut-to-100-chars", "csv-content-in-txt"])
def test_mostly_rejected_register_fails_its_blocking_check(chu_env, generated_drop, damage):
    landing = deliver(generated_drop, chu_env, "deces")
    path = landing / "deces" / f"deces-{YEAR}.txt"
    lines = path.read_bytes().count(b"\n")
    path.write_bytes(damage(path.read_bytes()))
    settings, checks = _materialize(chu_env, landing)
    share = checks["rejected_share"]
    assert not share.passed and share.severity == dg.AssetCheckSeverity.ERROR
    over = share.metadata["files_over_threshold"].value
    assert f"deces/deces-{YEAR}.txt" in over
    first = share.metadata["first_rejected_lines"].value
    assert "| 1 |" in first and "raw_text" not in first  # line numbers and reasons; no names
    # Nothing lost: every line is a row or a reject, whatever the damage.
    assert checks["lines_reconcile"].passed
    rejects = delta_store.read(settings.table_uri("bronze", "rejects"))
    rows = delta_store.read(settings.table_uri("bronze", "deaths"))
    assert rows.height + rejects.height == lines


def test_threshold_is_per_source_and_configurable(chu_env, generated_drop):
    landing = deliver(generated_drop, chu_env, "deces")
    path = landing / "deces" / f"deces-{YEAR}.txt"
    path.write_bytes(_keep_97_percent(path.read_bytes()))
    _, checks = _materialize(chu_env, landing, "0.05")
    assert checks["rejected_share"].passed
    _, checks = _materialize(chu_env, landing, "0.05,deaths=1%")
    assert not checks["rejected_share"].passed
    assert checks["rejected_share"].metadata["threshold"].value == 0.01


def test_threshold_setting_is_validated():
    assert thresholds.parse("0.02,deaths=10%") == {"*": 0.02, "deaths": 0.1}
    assert thresholds.threshold("satisfaction=0.2", "deaths") == thresholds.DEFAULT_SHARE
    for bad in ("death=0.1", "deaths=abc", "1.5"):
        with pytest.raises(ValueError, match="CHU_MAX_REJECTED_SHARE"):
            thresholds.parse(bad)
