"""The run queue: Dagster's QueuedRunCoordinator, with the deaths register's runs first."""

from pathlib import Path

import dagster as dg
import yaml

from chu_platform.lib import run_coordinator
from chu_platform.lib.run_coordinator import PRIORITY_TAG, PriorityRunCoordinator, priority_for

ROOT = Path(__file__).resolve().parents[1]
DEATHS = dg.AssetKey(["bronze", "deaths"])
CARE = dg.AssetKey(["bronze", "care_consultations"])


def test_a_run_holding_a_first_asset_gets_the_priority_unless_it_has_its_own():
    first = run_coordinator.first_keys(["bronze/deaths", "silver/death_declarations"])
    assert priority_for(frozenset([DEATHS, dg.AssetKey(["silver", "deaths"])]), first, {}) == "1"
    assert priority_for(frozenset([CARE]), first, {}) is None
    assert priority_for(frozenset([DEATHS]), first, {PRIORITY_TAG: "-5"}) is None
    assert priority_for(None, first, {}) is None


@dg.asset(key=DEATHS)
def deaths() -> None: ...


@dg.asset(key=CARE)
def care() -> None: ...


def test_the_queue_starts_the_deaths_register_first(tmp_path, monkeypatch):
    """Queued in creation order (care, then deaths), the deaths run is stored with the priority
    Dagster's queue starts first (``dagster/priority``, its documented order) before the queue
    takes it; the care run stays as it was. The repository's dagster.yaml and the PostgreSQL one
    configure this coordinator with the deaths chain first."""
    for config in (ROOT / "dagster.yaml", ROOT / "chu_platform" / "deploy" / "dagster.postgres.yaml"):
        section = yaml.safe_load(config.read_text())["run_coordinator"]
        assert (section["module"], section["class"]) == ("chu_platform.lib.run_coordinator", "PriorityRunCoordinator")
        assert "bronze/deaths" in section["config"]["first"], config
    settings = {"module": "chu_platform.lib.run_coordinator", "class": "PriorityRunCoordinator",
                "config": {"max_concurrent_runs": 1, "first": ["bronze/deaths"]}}
    job = dg.define_asset_job("both").resolve(asset_graph=dg.Definitions(assets=[deaths, care]).resolve_asset_graph())
    queued = []
    # Dagster's own enqueueing needs a run made by a code server; what it is given is recorded.
    monkeypatch.setattr(dg.QueuedRunCoordinator, "submit_run",
                        lambda self, context: queued.append(self._instance.get_run_by_id(context.dagster_run.run_id)))
    with dg.instance_for_test(temp_dir=str(tmp_path), overrides={"run_coordinator": settings}) as instance:
        assert isinstance(instance.run_coordinator, PriorityRunCoordinator)
        runs = [instance.create_run_for_job(job, asset_selection={key}) for key in (CARE, DEATHS)]
        for run in runs:
            instance.run_coordinator.submit_run(dg.SubmitRunContext(run, workspace=None))
        assert [r.run_id for r in queued] == [r.run_id for r in runs]
        assert PRIORITY_TAG not in queued[0].tags and queued[1].tags[PRIORITY_TAG] == "1"
