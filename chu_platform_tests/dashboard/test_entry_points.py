"""``chu dashboard`` writes the file; the ``marts/dashboard`` asset rebuilds it, following the
marts through declarative automation like every mart."""

import stat

import dagster as dg
from click.testing import CliRunner

from chu_platform.cli import cli
from chu_platform.dashboard.page import read_embedded
from chu_platform.defs.marts.automation import FOLLOW_ANY_YEAR, marts_automation
from chu_platform.defs.marts.dashboard_assets import DASHBOARD_KEY, dashboard
from chu_platform.defs.resources import ChuSettings
from chu_platform.layers.marts.analyses import ANALYSES


def test_chu_dashboard_writes_the_file_in_the_language_asked(gold_in_env, chu_env):
    out = chu_env / "out" / "board.html"
    result = CliRunner().invoke(cli, ["dashboard", "--out", str(out), "--lang", "en"])
    assert result.exit_code == 0, result.output
    assert str(out) in result.output
    doc = read_embedded(out.read_text(encoding="utf-8"))
    assert doc["meta"]["lang"] == "en" and doc["data"]["years"] == [2018, 2019, 2020, 2021]
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    assert {c["asset"] for c in doc["quality"]["checks"]} >= {f"marts/{name}" for name in ANALYSES}


def test_chu_dashboard_says_what_to_do_without_gold(chu_env):
    result = CliRunner().invoke(cli, ["dashboard"])
    assert result.exit_code != 0 and "chu run" in result.output


def test_the_asset_writes_the_dashboard_and_follows_the_marts(gold_in_env, chu_env):
    settings = ChuSettings(data_dir=str(chu_env), landing_dir=str(chu_env / "landing"))
    result = dg.materialize([dashboard], resources={"settings": settings})
    assert result.success
    metadata = result.asset_materializations_for_node("marts__dashboard")[0].metadata
    path = chu_env / "dashboard.html"
    assert metadata["path"].value == str(path.resolve()) and metadata["bytes"].value == path.stat().st_size
    doc = read_embedded(path.read_text(encoding="utf-8"))
    assert doc["data"]["years"] == [2018, 2019, 2020, 2021]
    # The platform's checks, though the asset ran alone.
    assert {c["asset"] for c in doc["quality"]["checks"]} >= {f"marts/{name}" for name in ANALYSES}
    spec = next(iter(dashboard.specs))
    assert spec.automation_condition == FOLLOW_ANY_YEAR
    assert {d.asset_key for d in spec.deps} >= {dg.AssetKey(["marts", name]) for name in ANALYSES}


def test_the_marts_automation_sensor_targets_the_dashboard(chu_env):
    from chu_platform.definitions import defs

    graph = defs.resolve_asset_graph()
    assert DASHBOARD_KEY in marts_automation.asset_selection.resolve(graph)
    warehouse = graph.get(dg.AssetKey(["marts", "warehouse"]))
    assert DASHBOARD_KEY not in warehouse.parent_keys
