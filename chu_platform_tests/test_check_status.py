"""One status per check on every page (lib/check_status.py): the dashboard's quality page and
its narrative, ``chu run``'s summary and ``chu backfill``'s gate name the same result the same
way, and a year that failed is not hidden by a later year that passed."""

from __future__ import annotations

import warnings

import dagster as dg

from chu_platform.dashboard import quality
from chu_platform.lib import check_status
from chu_platform.orchestration.backfill import blocked

YEARS = dg.StaticPartitionsDefinition(["2019", "2020"])
KEY = dg.AssetKey(["gold", "t"])
with warnings.catch_warnings():
    warnings.simplefilter("ignore", dg.PreviewWarning)
    SPECS = [dg.AssetCheckSpec("blocking_rule", asset=KEY, blocking=True, partitions_def=YEARS),
             dg.AssetCheckSpec("advice", asset=KEY, partitions_def=YEARS)]


@dg.asset(key=KEY, partitions_def=YEARS, check_specs=SPECS)
def t(context):
    bad = context.partition_key == "2019"
    yield dg.Output(1)
    # 2019 fails the blocking rule (ERROR) and the advice (WARN); 2020, run last, passes both.
    yield dg.AssetCheckResult(check_name="blocking_rule", passed=not bad)
    yield dg.AssetCheckResult(check_name="advice", passed=not bad, severity=dg.AssetCheckSeverity.WARN)


def test_a_year_that_failed_is_not_hidden_by_a_later_year_and_every_page_agrees():
    defs = dg.Definitions(assets=[t])
    graph = defs.resolve_asset_graph()
    keys = {spec.name: dg.AssetCheckKey(KEY, spec.name) for spec in SPECS}
    with dg.DagsterInstance.ephemeral() as instance:
        for year in ("2019", "2020"):
            result = dg.materialize([t], instance=instance, partition_key=year, raise_on_error=False)
        assert {e.check_name: check_status.of(e) for e in result.get_asset_check_evaluations()} == {
            "blocking_rule": check_status.PASSED, "advice": check_status.PASSED}
        found = check_status.latest(instance, list(keys.values()))
        assert found[keys["blocking_rule"]].status == check_status.FAILED
        assert found[keys["blocking_rule"]].not_passed == ["2019"]
        assert found[keys["advice"]].status == check_status.WARNED
        rows = {r["check"]: r for r in quality.check_results(instance, quality.check_specs(graph))}
        assert {name: (r["status"], r["partition"]) for name, r in rows.items()} == {
            "blocking_rule": ("failed", "2019"), "advice": ("warned", "2019")}
        assert blocked(instance, graph, KEY, ["2019", "2020"]) == {"2019"}
    assert check_status.latest(None, list(keys.values()))[keys["advice"]].status == check_status.NOT_RUN
