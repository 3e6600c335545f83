"""Materialise a selection of the asset graph in process, year partitions included.

The graph mixes unpartitioned assets (reference tables, dimensions, marts) and
year-partitioned ones (sources with a time axis, facts). It is cut into stages in
topological order, each stage holding assets of one kind, so that every asset runs after
everything it reads: an unpartitioned stage runs once, a partitioned stage once per year.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

import dagster as dg


@dataclass
class Stage:
    partitioned: bool
    keys: list[dg.AssetKey] = field(default_factory=list)


@dataclass
class StageRun:
    keys: list[dg.AssetKey]
    partition: str | None
    success: bool
    seconds: float


def materializable_keys(defs: dg.Definitions) -> list[dg.AssetKey]:
    graph = defs.resolve_asset_graph()
    return sorted(
        (k for k in graph.get_all_asset_keys() if graph.get(k).is_materializable),
        key=lambda k: k.to_user_string(),
    )


def materializable_assets(defs: dg.Definitions) -> list[dg.AssetsDefinition]:
    return list({id(a): a for a in (defs.get_assets_def(k) for k in materializable_keys(defs))}.values())


def plan_stages(defs: dg.Definitions, selection: Iterable[dg.AssetKey]) -> list[Stage]:
    """Split the selected assets into consecutive stages of the same partitioning."""
    graph = defs.resolve_asset_graph()
    selected = set(selection)
    stages: list[Stage] = []
    for level in graph.toposorted_asset_keys_by_level:
        for key in sorted(set(level) & selected, key=lambda k: k.to_user_string()):
            partitioned = graph.get(key).partitions_def is not None
            if not stages or stages[-1].partitioned != partitioned:
                stages.append(Stage(partitioned))
            stages[-1].keys.append(key)
    return stages


def materialize_stages(
    defs: dg.Definitions,
    stages: Sequence[Stage],
    years: Sequence[int],
    instance: dg.DagsterInstance,
    on_progress: Callable[[StageRun], None] = lambda run: None,
    log_level: str = "WARNING",
) -> list[StageRun]:
    """Run every stage (each partitioned stage once per year); stop at the first failure."""
    results: list[StageRun] = []
    all_assets = materializable_assets(defs)
    resources = defs.resources
    for stage in stages:
        partitions = [str(y) for y in years] if stage.partitioned else [None]
        for partition in partitions:
            started = time.perf_counter()
            result = dg.materialize(
                all_assets,
                selection=stage.keys,
                partition_key=partition,
                instance=instance,
                resources=resources,
                raise_on_error=False,
                tags={"chu/runner": "chu run"},
                run_config={"loggers": {"console": {"config": {"log_level": log_level}}}},
            )
            run = StageRun(stage.keys, partition, result.success, time.perf_counter() - started)
            results.append(run)
            on_progress(run)
            if not result.success:
                return results
    return results
