"""Source discovery reads names, not contents: a damaged Hospitalisations.csv fails only what it feeds."""

import gzip

import pytest

from chu_platform.layers.bronze.discovery import available
from chu_platform.layers.bronze.drop import LocalDrop
from chu_platform.defs.resources import ChuSettings
from chu_platform.lib import delta_store
from chu_platform_tests.faults.conftest import YEAR, chu, deliver

CORRUPTIONS = {
    "comma-separated": lambda data: data.replace(b";", b","),
    "binary-garbage": lambda data: bytes(range(256)) * 40,
    "gzip-content": gzip.compress,
}


@pytest.mark.parametrize("corrupt", CORRUPTIONS.values(), ids=CORRUPTIONS.keys())
def test_discovery_does_not_fail_on_a_damaged_file(chu_env, generated_drop, corrupt):
    landing = deliver(generated_drop, chu_env, "deces", "Hospitalisations.csv")
    path = landing / "Hospitalisations.csv"
    path.write_bytes(corrupt(path.read_bytes()))
    found = available(ChuSettings(data_dir=str(chu_env), landing_dir=str(landing)), LocalDrop(landing))
    assert found["deaths"] == {YEAR}
    assert "hospitalisations" in found


def test_deaths_run_while_hospitalisations_file_is_gzip(chu_env, generated_drop):
    landing = deliver(generated_drop, chu_env, "deces", "Hospitalisations.csv")
    path = landing / "Hospitalisations.csv"
    path.write_bytes(gzip.compress(path.read_bytes()))
    result = chu("run", "--sources", "deaths")
    assert result.exit_code == 0, result.output
    assert delta_store.read(str(chu_env / "lake" / "gold" / "fact_deces")).height > 0
    assert not (chu_env / "lake" / "bronze" / "hospitalisations").exists()
