"""The definitions load, and their asset keys and groups match the committed snapshot."""

import os
from pathlib import Path

import dagster as dg

SNAPSHOT = Path(__file__).parent / "snapshots" / "asset_keys.txt"


def _render(defs: dg.Definitions) -> str:
    specs = sorted(defs.resolve_all_asset_specs(), key=lambda s: s.key.to_user_string())
    return "".join(f"{s.key.to_user_string()}\t{s.group_name}\n" for s in specs)


def test_definitions_load(chu_env):
    from chu_platform.definitions import defs

    dg.Definitions.validate_loadable(defs)
    assert defs.resolve_job_def("__ASSET_JOB") is not None


def test_asset_keys_snapshot(chu_env):
    from chu_platform.definitions import defs

    rendered = _render(defs)
    if os.environ.get("CHU_UPDATE_SNAPSHOTS"):
        SNAPSHOT.write_text(rendered)
    assert rendered == SNAPSHOT.read_text(), (
        "asset keys or groups changed; if intended, rerun with CHU_UPDATE_SNAPSHOTS=1 and commit the snapshot"
    )


def test_keys_follow_layer_convention(chu_env):
    from chu_platform.definitions import defs

    for spec in defs.resolve_all_asset_specs():
        layer = spec.key.path[0]
        assert len(spec.key.path) == 2, spec.key
        assert spec.group_name == layer, f"{spec.key.to_user_string()} is in group {spec.group_name}"
        assert spec.description, f"{spec.key.to_user_string()} has no grain docstring"
