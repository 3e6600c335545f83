"""The definitions load; their asset keys and groups, and their checks, match the committed snapshots."""

import os
from pathlib import Path

import dagster as dg

SNAPSHOTS = Path(__file__).parent / "snapshots"
SNAPSHOT = SNAPSHOTS / "asset_keys.txt"
CHECKS_SNAPSHOT = SNAPSHOTS / "asset_checks.txt"


def _render(defs: dg.Definitions) -> str:
    specs = sorted(defs.resolve_all_asset_specs(), key=lambda s: s.key.to_user_string())
    return "".join(f"{s.key.to_user_string()}\t{s.group_name}\n" for s in specs)


def _render_checks(defs: dg.Definitions) -> str:
    """Per check: what the UI shows of it (asset, name, blocking, extra deps, description) and
    the step that evaluates it, so that regrouping checks into steps cannot change the former."""
    rows = []
    for checks_def in defs.asset_checks or []:
        for spec in checks_def.check_specs:
            deps = ",".join(sorted(d.asset_key.to_user_string() for d in spec.additional_deps)) or "-"
            blocking = "blocking" if spec.blocking else "-"
            per_year = "per-year" if spec.partitions_def is not None else "-"
            rows.append(f"{spec.asset_key.to_user_string()}\t{spec.name}\t{blocking}\t{per_year}\t{deps}\t"
                        f"step={checks_def.node_def.name}\t{spec.description}\n")
    return "".join(sorted(rows))


def _matches_snapshot(rendered: str, snapshot: Path) -> bool:
    if os.environ.get("CHU_UPDATE_SNAPSHOTS"):
        snapshot.write_text(rendered)
    return rendered == snapshot.read_text()


def test_definitions_load(chu_env):
    from chu_platform.definitions import defs

    dg.Definitions.validate_loadable(defs)
    assert defs.resolve_job_def("__ASSET_JOB") is not None


def test_asset_keys_snapshot(chu_env):
    from chu_platform.definitions import defs

    assert _matches_snapshot(_render(defs), SNAPSHOT), (
        "asset keys or groups changed; if intended, rerun with CHU_UPDATE_SNAPSHOTS=1 and commit the snapshot"
    )


def test_asset_checks_snapshot(chu_env):
    from chu_platform.definitions import defs

    assert _matches_snapshot(_render_checks(defs), CHECKS_SNAPSHOT), (
        "asset checks changed; if intended, rerun with CHU_UPDATE_SNAPSHOTS=1 and commit the snapshot"
    )


def test_keys_follow_layer_convention(chu_env):
    from chu_platform.definitions import defs

    specs = defs.resolve_all_asset_specs()
    assert specs
    for spec in specs:
        layer = spec.key.path[0]
        assert len(spec.key.path) == 2, spec.key
        assert spec.group_name == layer, f"{spec.key.to_user_string()} is in group {spec.group_name}"
        assert spec.description, f"{spec.key.to_user_string()} has no grain docstring"


def test_checks_of_a_partitioned_table_report_per_year(chu_env):
    """A check of a year-partitioned table records its result for the run's year (the UI shows
    one per year); the checks of whole tables have none."""
    from chu_platform.definitions import defs

    graph = defs.resolve_asset_graph()
    compared = {True: 0, False: 0}  # checks of year-partitioned tables, of whole tables
    for checks_def in defs.asset_checks or []:
        if not checks_def.node_def.name.endswith("_checks"):
            continue  # Dagster's own freshness checks
        for spec in checks_def.check_specs:
            expected = graph.get(spec.asset_key).partitions_def
            assert spec.partitions_def == expected, f"{spec.asset_key.to_user_string()}:{spec.name}"
            compared[expected is not None] += 1
    assert compared[True] and compared[False], compared


def test_readme_says_exactly_which_sensors_and_schedules_are_on_by_default():
    from chu_platform.definitions import defs

    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text()
    before_off = readme.split("**off**")[0]
    on_text = before_off.split("**on by default**")[1].rsplit(".", 1)[0]  # up to the sentence saying off
    off_text = before_off.rsplit(".", 1)[1]
    automations = [*(defs.sensors or []), *(defs.schedules or [])]
    assert automations
    for automation in automations:
        running = automation.default_status.value == "RUNNING"
        named = f"`{automation.name}`"
        assert (named in on_text, named in off_text) == (running, not running), named


def test_every_partitioning_is_its_years_as_keys_up_to_the_current_one():
    """Each source's partitioning offers its years, from its first to the year in progress, as
    keys; a run over a range of them builds exactly those years."""
    from chu_platform.defs.metadata import partition_years
    from chu_platform.defs.partitions import BY_SOURCE
    from chu_platform.schemas.years import FIRST_YEARS, current_year

    for source, partitions in BY_SOURCE.items():
        # Keys, not yearly time windows: Dagster would work those out with croniter in every
        # backfill iteration and automation tick (docs/operations.md, "Year partitions").
        assert isinstance(partitions, dg.StaticPartitionsDefinition), source
        assert partitions.get_partition_keys() == [str(y) for y in range(FIRST_YEARS[source], current_year() + 1)]

    @dg.asset(partitions_def=BY_SOURCE["care"])
    def years(context: dg.AssetExecutionContext) -> list[int]:
        return partition_years(context)

    ranged = dg.build_asset_context(partition_key_range=dg.PartitionKeyRange("2018", "2020"))
    assert years(ranged) == [2018, 2019, 2020]
    assert years(dg.build_asset_context(partition_key="2019")) == [2019]
