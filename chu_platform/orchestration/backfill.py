"""Dagster asset backfills by year: the same ``PartitionBackfill`` the UI's "Materialize →
years" creates, stored in the instance for the daemon to run.

``target`` chooses the asset partitions: every asset the chosen sources feed (plus the
reference assets and the warehouse, as ``chu run``), each partitioned one for the requested
years that its own partitioning offers. A year already materialised is left out unless
``force``: re-submitting the same range after a failure re-executes only what failed or is
missing, and what is unpartitioned downstream of it. A year whose latest blocking check
failed (a corrupt file's rows were written, then stopped by ``rejected_share``) counts as
failed, not materialised: the re-delivered file is loaded again.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import dagster as dg

from chu_platform.lib import check_status
from chu_platform.lib.dagster_private import (
    BACKFILL_ID_TAG,
    AssetGraphSubset,
    AssetKeyPartitionKey,
    BulkActionStatus,
    PartitionBackfill,
    make_new_backfill_id,
)

from chu_platform.lib.client_process import CLIENT_TAG, client_tag
from chu_platform.orchestration.build_target import plan_run
from chu_platform.defs.tags import RUNNER_TAG

DONE = {BulkActionStatus.COMPLETED, BulkActionStatus.COMPLETED_SUCCESS, BulkActionStatus.COMPLETED_FAILED,
        BulkActionStatus.FAILED, BulkActionStatus.CANCELED}


@dataclass
class Target:
    partitions: set[AssetKeyPartitionKey]
    already: int  # asset partitions left out because they are materialised


def target(defs: dg.Definitions, instance: dg.DagsterInstance, sources: Sequence[str],
           available, years: Sequence[int], force: bool = False) -> Target:
    graph = defs.resolve_asset_graph()
    plan = plan_run(defs, sources, available, years)
    # The years its sources hold, within the range and the asset's own partitions.
    offered = {key: {str(y) for y in plan.years_by_key.get(key, [])}
               for key in plan.keys if graph.get(key).partitions_def is not None}
    chosen: set[AssetKeyPartitionKey] = set()
    for key, keys in offered.items():
        done = set() if force else set(instance.get_materialized_partitions(key)) - blocked(instance, graph, key, sorted(keys))
        chosen |= {AssetKeyPartitionKey(key, k) for k in keys - done}
    # What reads a re-executed partition is re-executed too, even if materialised: every year
    # of silver/deaths reads every year of declarations, so a year's register loaded again
    # (a late declaration of an earlier year) changes the other years' deaths.
    for key in graph.toposorted_asset_keys:
        for partition in [p for p in chosen if p.asset_key == key]:
            chosen |= {c for c in graph.get_children_partitions(key, partition.partition_key)
                       if c.partition_key in offered.get(c.asset_key, ())}
    already = sum(len(keys) for keys in offered.values()) - len(chosen)
    changed = {p.asset_key for p in chosen}
    for key in plan.keys:
        if key in offered:
            continue
        missing = force or instance.get_latest_materialization_event(key) is None
        if missing or graph.get_ancestor_asset_keys(key) & changed:
            chosen.add(AssetKeyPartitionKey(key, None))
        else:
            already += 1
    return Target(chosen, already)


def blocked(instance: dg.DagsterInstance, graph, key: dg.AssetKey, partitions: Sequence[str]) -> set[str]:
    """The partitions of ``key`` whose latest result of some blocking check failed
    (``lib.check_status``, the status every page shows)."""
    checks = [c for c in graph.get_check_keys_for_assets({key}) if graph.get_check_spec(c).blocking]
    found = set()
    for status in check_status.latest(instance, checks).values():
        found |= {p for p in partitions if status.partitions.get(p) == check_status.FAILED}
    return found


def submit(defs: dg.Definitions, instance: dg.DagsterInstance, partitions: set[AssetKeyPartitionKey],
           title: str, tags: dict[str, str] | None = None) -> str:
    """Store the backfill (status REQUESTED); the daemon's backfill loop runs it."""
    graph = defs.resolve_asset_graph()
    backfill_id = make_new_backfill_id()
    backfill = PartitionBackfill.from_asset_graph_subset(
        backfill_id=backfill_id,
        backfill_timestamp=time.time(),
        # The client's identity: a daemon it started cancels the backfill once it is gone (lib/daemon.py).
        tags={RUNNER_TAG: "chu backfill", CLIENT_TAG: client_tag(), **(tags or {})},
        dynamic_partitions_store=instance,
        asset_graph_subset=AssetGraphSubset.from_asset_partition_set(partitions, graph),
        title=title,
        description=None,
        run_config=None,
    )
    instance.add_backfill(backfill)
    return backfill_id


@dataclass
class Progress:
    status: BulkActionStatus
    targeted: int
    materialized: int
    failed: int
    runs: int
    runs_failed: int

    @property
    def done(self) -> bool:
        return self.status in DONE

    @property
    def success(self) -> bool:
        # A run can fail after its assets are materialised (a blocking check stopped what they
        # wrote): Dagster counts the backfill's partitions done, the user must not.
        return (self.status in (BulkActionStatus.COMPLETED, BulkActionStatus.COMPLETED_SUCCESS)
                and not self.failed and not self.runs_failed)


def progress(defs: dg.Definitions, instance: dg.DagsterInstance, backfill_id: str) -> Progress:
    backfill = instance.get_backfill(backfill_id)
    data = backfill.get_asset_backfill_data(defs.resolve_asset_graph())
    runs = instance.get_run_records(dg.RunsFilter(tags={BACKFILL_ID_TAG: backfill_id}))
    return Progress(
        backfill.status,
        data.target_subset.num_partitions_and_non_partitioned_assets,
        data.materialized_subset.num_partitions_and_non_partitioned_assets,
        data.failed_and_downstream_subset.num_partitions_and_non_partitioned_assets,
        len(runs),
        sum(1 for r in runs if r.dagster_run.status == dg.DagsterRunStatus.FAILURE),
    )


def follow(defs: dg.Definitions, instance: dg.DagsterInstance, backfill_id: str,
           report: Callable[[Progress], None], poll: float = 1.0, timeout: float | None = None,
           alive: Callable[[], bool] = lambda: True) -> Progress:
    """Poll until the backfill ends; ``report`` gets each change. ``alive`` false (the daemon
    we started died) stops waiting."""
    started = time.monotonic()
    last = None
    while True:
        state = progress(defs, instance, backfill_id)
        if state != last:
            report(state)
            last = state
        if state.done:
            return state
        if not alive():
            raise RuntimeError("the daemon stopped before the backfill ended: see data/logs/daemon.log")
        if timeout is not None and time.monotonic() - started > timeout:
            raise TimeoutError(f"backfill {backfill_id} not done after {timeout:.0f} s")
        time.sleep(poll)


def cancel(instance: dg.DagsterInstance, backfill_id: str, timeout: float = 0.0,
           alive: Callable[[], bool] = lambda: True, poll: float = 1.0) -> BulkActionStatus | None:
    """Ask the daemon to cancel the backfill's queued and running runs (as the UI's Cancel), and
    wait until it has (the backfill ``CANCELED``, its runs terminated through the run launcher),
    at most ``timeout`` seconds and while ``alive``; returns the status reached."""
    backfill = instance.get_backfill(backfill_id)
    if backfill is not None and backfill.status not in DONE:
        instance.update_backfill(backfill.with_status(BulkActionStatus.CANCELING))
    deadline = time.monotonic() + timeout
    while backfill is not None and backfill.status not in DONE and alive() and time.monotonic() < deadline:
        time.sleep(poll)
        backfill = instance.get_backfill(backfill_id)
    return None if backfill is None else backfill.status
