"""Dagster's run queue (``QueuedRunCoordinator``), with the runs of the longest chain first.

A backfill's first look creates a run per source and range of years at once, and the queue
starts them in the order they were created, a few at a time (``max_concurrent_runs``). The
deaths register is the build's longest chain (its bronze parse, then the typing and keyed
hashing of its declarations, ten years in two runs, before silver/deaths, the fact and the
marts can start), yet its second run used to wait behind the care and satisfaction loads,
which have slack. Dagster's queue starts a run of higher ``dagster/priority`` first; this
coordinator gives that tag, as each run is queued, to the runs that hold one of the assets of
``first`` (``dagster.yaml``): the rest of the queue stays first in, first out. A run that
already says its priority (set by hand, or by a schedule) keeps it.

With the register's two runs first, ``dagster.yaml`` allows four runs at once (three before),
so that the small loads the gold dimensions wait for do not queue one after the other in the
last slot. Measured side by side in docs/benchmarks.md ("Session 17"): ``python -m benchmarks
orchestration --scale=1 --paths=backfill``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import dagster as dg

PRIORITY_TAG = "dagster/priority"
FIRST_PRIORITY = "1"


def first_keys(paths: Sequence[str]) -> frozenset[dg.AssetKey]:
    return frozenset(dg.AssetKey.from_user_string(p) for p in paths)


def priority_for(asset_selection: frozenset[dg.AssetKey] | None, first: frozenset[dg.AssetKey],
                 tags: Mapping[str, str]) -> str | None:
    """The priority to give a run about to be queued: ``FIRST_PRIORITY`` when it holds an asset of
    ``first`` and says no priority of its own, else None (the run is left as it is)."""
    if PRIORITY_TAG in tags or not asset_selection:
        return None
    return FIRST_PRIORITY if asset_selection & first else None


class PriorityRunCoordinator(dg.QueuedRunCoordinator):
    """``QueuedRunCoordinator`` and its configuration, plus ``first``: asset keys (``layer/table``)
    whose runs are queued with ``dagster/priority: 1``."""

    def __init__(self, first: Sequence[str] = (), **kwargs: Any):
        super().__init__(**kwargs)
        self._first = first_keys(first)

    @classmethod
    def config_type(cls):
        return {
            **super().config_type(),
            "first": dg.Field([str], is_required=False, default_value=[],
                              description="Asset keys (layer/table) whose runs start before the others queued."),
        }

    @classmethod
    def from_config_value(cls, inst_data, config_value: Mapping[str, Any]):
        coordinator = super().from_config_value(inst_data, {k: v for k, v in config_value.items() if k != "first"})
        coordinator._first = first_keys(config_value.get("first") or [])
        return coordinator

    def submit_run(self, context: dg.SubmitRunContext) -> dg.DagsterRun:
        run = context.dagster_run
        priority = priority_for(run.asset_selection, self._first, run.tags)
        if priority is not None and run.status == dg.DagsterRunStatus.NOT_STARTED:
            self._instance.add_run_tags(run.run_id, {PRIORITY_TAG: priority})
        return super().submit_run(context)
