"""Materialise a selection of the asset graph in process, year partitions included.

The graph mixes unpartitioned assets (reference tables, dimensions, marts) and
year-partitioned ones (sources with a time axis, facts). It is cut into stages in
topological order, each stage holding assets of one kind, so that every asset runs after
everything it reads: an unpartitioned stage runs once, a partitioned stage once per year.

``plan_run`` chooses what ``chu run --sources ...`` builds: every asset fed by the chosen
sources (bronze assets carry a ``chu/source`` tag; everything downstream of them follows),
the reference assets that no source feeds, and the warehouse; each partitioned asset for
the years its sources hold.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field

import dagster as dg

from chu_platform import source_plan
from chu_platform.partitions import years_of
from chu_platform.sources import SOURCES
from chu_platform.tags import ON_DEMAND_TAG, SOURCE_TAG

WAREHOUSE_KEY = dg.AssetKey(["marts", "warehouse"])


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
    skipped: list[dg.AssetKey] = field(default_factory=list)
    failed: list[dg.AssetKey] = field(default_factory=list)
    failed_checks: list[str] = field(default_factory=list)


@dataclass
class RunPlan:
    """What a ``chu run`` materialises; ``skipped`` says which requested sources are left out and why."""

    keys: set[dg.AssetKey]
    years_by_key: dict[dg.AssetKey, list[int]]
    skipped: dict[str, str] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)


def materializable_keys(defs: dg.Definitions) -> list[dg.AssetKey]:
    graph = defs.resolve_asset_graph()
    return sorted(
        (k for k in graph.get_all_asset_keys() if graph.get(k).is_materializable),
        key=lambda k: k.to_user_string(),
    )


def materializable_assets(defs: dg.Definitions) -> list[dg.AssetsDefinition]:
    return list({id(a): a for a in (defs.get_assets_def(k) for k in materializable_keys(defs))}.values())


def _same_partition(graph, key: dg.AssetKey, parent: dg.AssetKey) -> bool:
    """Whether partition Y of ``key`` reads only partition Y of ``parent``, in one run: a
    Dagster run has one partitions definition, so a parent of another source family's years
    (``gold/fact_satisfaction`` under a pre-aggregate spanning every year) waits for a stage
    of its own."""
    if str(graph.get(key).partitions_def) != str(graph.get(parent).partitions_def):
        return False
    mapping = graph.get_partition_mapping(key, parent)
    if isinstance(mapping, dg.IdentityPartitionMapping):
        return True
    if isinstance(mapping, dg.TimeWindowPartitionMapping):
        return mapping.start_offset == 0 and mapping.end_offset == 0
    return False


def plan_stages(defs: dg.Definitions, selection: Iterable[dg.AssetKey]) -> list[Stage]:
    """Split the selected assets into as few stages as possible, alternating kinds.

    A stage takes every asset of its kind whose selected parents are already done, or are
    in the stage itself — Dagster orders assets within one run. For a partitioned stage a
    parent in the same stage must map year Y to year Y only: ``silver/deaths`` reads every
    year of ``bronze/deaths`` (late declarations), so it waits for a later stage, after
    every year of its parent is in. Fewer stages mean fewer Dagster runs per year.
    """
    graph = defs.resolve_asset_graph()
    remaining = set(selection)
    selected = set(remaining)
    done: set[dg.AssetKey] = set()
    stages: list[Stage] = []
    partitioned = False
    idle_turns = 0
    while remaining:
        stage: list[dg.AssetKey] = []
        grew = True
        while grew:
            grew = False
            for key in sorted(remaining - set(stage), key=lambda k: k.to_user_string()):
                if (graph.get(key).partitions_def is not None) != partitioned:
                    continue
                parents = [p for p in graph.get(key).parent_keys if p in selected]
                if all(
                    p in done or (p in stage and (not partitioned or _same_partition(graph, key, p)))
                    for p in parents
                ):
                    stage.append(key)
                    grew = True
        if stage:
            stages.append(Stage(partitioned, stage))
            done.update(stage)
            remaining.difference_update(stage)
            idle_turns = 0
        else:
            idle_turns += 1
            if idle_turns > 1:
                raise ValueError(f"cannot order {sorted(k.to_user_string() for k in remaining)}: a cycle?")
        partitioned = not partitioned
    return stages


def source_selection(source: str) -> dg.AssetSelection:
    return dg.AssetSelection.tag(SOURCE_TAG, source)


def fed_by(defs: dg.Definitions) -> dict[str, set[dg.AssetKey]]:
    """For each source, its tagged assets and everything downstream of them."""
    graph = defs.resolve_asset_graph()
    keys = set(materializable_keys(defs))
    return {s: set(source_selection(s).downstream().resolve(graph)) & keys for s in SOURCES}


def plan_run(
    defs: dg.Definitions,
    sources: Sequence[str],
    available: Mapping[str, set[int] | None],
    years: Sequence[int] | None = None,
) -> RunPlan:
    """The assets and years a run of ``sources`` materialises.

    ``available`` is bronze discovery's answer: a source absent from it is not configured and
    is skipped. A partitioned asset runs for the years of every configured source feeding it
    (not only the requested ones: its partition holds all of them), restricted to ``years``
    when given; one that no source with years feeds runs for all years found.
    """
    unknown = sorted(set(sources) - set(SOURCES))
    if unknown:
        raise ValueError(f"unknown source(s) {', '.join(unknown)}; choose among {', '.join(SOURCES)}")
    graph = defs.resolve_asset_graph()
    feeds = fed_by(defs)
    every = set(materializable_keys(defs))
    reference = every - set().union(*feeds.values())
    skipped = {s: "not configured: no file of it in the drop and no database" for s in sources if s not in available}
    sourced = source_plan.plan_sources(graph, every, sources, available, {WAREHOUSE_KEY})
    keys = reference | sourced.targets | sourced.fill_ins
    if WAREHOUSE_KEY in every:
        keys.add(WAREHOUSE_KEY)
    keys -= set(dg.AssetSelection.tag(ON_DEMAND_TAG, "true").resolve(graph))
    wanted = None if years is None else set(years)
    found = set().union(*(y for y in available.values() if y))
    years_by_key: dict[dg.AssetKey, list[int]] = {}
    for key in keys:
        if graph.get(key).partitions_def is None:
            continue
        # The years of the sources its rows come from, not of those that only name members.
        feeding = sourced.essential.get(key) or {s for s in available if key in feeds[s]}
        own = set().union(*(available.get(s) or set() for s in feeding)) or found
        if wanted is not None:
            own = (own or wanted) & wanted
        # A year before the asset's source begins has no partition (chu_platform/partitions.py).
        years_by_key[key] = sorted(own & years_of(graph.get(key).partitions_def))
    return RunPlan(keys, years_by_key, skipped, sourced.warnings)


def by_partitioning(graph, keys: Sequence[dg.AssetKey]) -> list[list[dg.AssetKey]]:
    """``keys`` grouped by partitions definition: a Dagster run has one (the source families
    have their own first years, chu_platform/partitions.py)."""
    groups: dict[str, list[dg.AssetKey]] = {}
    for key in keys:
        groups.setdefault(str(graph.get(key).partitions_def), []).append(key)
    return list(groups.values())


def count_runs(stages: Sequence[Stage], years_by_key: Mapping[dg.AssetKey, Sequence[int]], graph=None) -> int:
    """Dagster runs a plan makes: one per unpartitioned stage, one per year and partitioning of a
    partitioned one."""
    total = 0
    for stage in stages:
        if not stage.partitioned:
            total += 1
            continue
        for year in {y for k in stage.keys for y in years_by_key.get(k, ())}:
            keys = [k for k in stage.keys if year in years_by_key.get(k, ())]
            total += len(by_partitioning(graph, keys)) if graph is not None else 1
    return total


# Peak memory of a year's run per byte of the largest file it reads: bronze/deaths then
# silver/death_declarations of a 1.05 GB register file peaked at 7.2-10.4 GiB in one process
# (scale 10, measured); rounded up.
MEMORY_PER_INPUT_BYTE = 10
MIN_MEMORY_PER_WORKER = 1 << 30


def workers_for_memory(wanted: int, largest_input: int, available_memory: int) -> tuple[int, bool]:
    """How many year runs may go at once — at most ``wanted``, and as many as fit in 80 % of
    ``available_memory`` when each may need ``MEMORY_PER_INPUT_BYTE`` × the largest input —
    and whether each run gets a fresh worker process.

    A process that builds year after year of such inputs keeps growing (one scale-10 process
    went from 9.2 to 17.3 GiB over five years of the first partitioned stage): when one run's
    need is over a quarter of the memory, every run gets its own process, as the daemon does.
    """
    need = max(MEMORY_PER_INPUT_BYTE * largest_input, MIN_MEMORY_PER_WORKER)
    return max(1, min(wanted, int(0.8 * available_memory) // need)), need > available_memory // 4


def uses_workers(workers: int, definitions_module: str | None, instance: dg.DagsterInstance,
                 recycle: bool = False) -> bool:
    """Whether ``materialize_stages`` runs partition years in worker processes: more than one
    worker (or a fresh process per run), definitions a worker can import, and an instance
    other processes can write to."""
    return (workers > 1 or recycle) and definitions_module is not None and instance.is_persistent


def _run_batch(
    defs: dg.Definitions,
    all_assets: list,
    batch: list[dg.AssetKey],
    partition: str | None,
    instance: dg.DagsterInstance,
    log_level: str,
) -> StageRun:
    started = time.perf_counter()
    result = dg.materialize(
        all_assets,
        selection=batch,
        partition_key=partition,
        instance=instance,
        resources=defs.resources,
        raise_on_error=False,
        tags={"chu/runner": "chu run"},
        run_config={"loggers": {"console": {"config": {"log_level": log_level}}}},
    )
    done = {e.asset_key for e in result.get_asset_materialization_events()}
    missing = [k for k in batch if k not in done]
    checks = [
        f"{e.asset_key.to_user_string()}:{e.check_name}" for e in result.get_asset_check_evaluations() if not e.passed
    ]
    return StageRun(batch, partition, result.success, time.perf_counter() - started, failed=missing, failed_checks=checks)


# A worker process of a parallel ``chu run``: the definitions module and the instance, loaded once.
_WORKER: dict = {}


def _worker_load(module: str) -> None:
    """The worker's definitions and instance, loaded once per process."""
    if "defs" not in _WORKER:
        import importlib

        defs = importlib.import_module(module).defs
        # Imported at the first check otherwise, inside a timed run.
        importlib.import_module("chu_platform.schemas.validation")
        _WORKER.update(defs=defs, assets=[*materializable_assets(defs), *(defs.asset_checks or [])],
                       instance=dg.DagsterInstance.get())


def _worker_run(module: str, batch: list[str], partition: str, log_level: str) -> StageRun:
    _worker_load(module)
    keys = [dg.AssetKey.from_user_string(k) for k in batch]
    return _run_batch(_WORKER["defs"], _WORKER["assets"], keys, partition, _WORKER["instance"], log_level)


def materialize_stages(
    defs: dg.Definitions,
    stages: Sequence[Stage],
    years: Sequence[int] | Mapping[dg.AssetKey, Sequence[int]],
    instance: dg.DagsterInstance,
    on_progress: Callable[[StageRun], None] = lambda run: None,
    log_level: str = "WARNING",
    workers: int = 1,
    definitions_module: str | None = None,
    recycle: bool = False,
) -> list[StageRun]:
    """Run every stage, each partitioned stage once per year its assets need.

    ``years`` is either the years of every partitioned asset or, per asset, its own. A
    failure does not stop independent work: assets downstream of a failed one are skipped
    (reported in ``StageRun.skipped``), the rest still run.

    With ``workers`` > 1, a persistent instance and ``definitions_module`` (the module whose
    ``defs`` these are), the years of a partitioned stage run ``workers`` at a time, each in a
    worker process that loads the definitions once — the daemon runs partitions the same way,
    one process per run. Unpartitioned stages run here, one at a time. With ``recycle`` each
    year's run gets a fresh worker process (even with one worker): memory a run leaves
    behind is given back to the system before the next.
    """
    results: list[StageRun] = []
    graph = defs.resolve_asset_graph()
    # Checks run with the assets they target: a failing blocking check stops what is downstream.
    all_assets = [*materializable_assets(defs), *(defs.asset_checks or [])]
    failed: set[dg.AssetKey] = set()
    pool = None
    if uses_workers(workers, definitions_module, instance, recycle):
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        # Recycled, a worker serves one run then exits; one process more than the runs in
        # flight is kept loaded, so the next run starts at once while a replacement loads.
        processes = workers + 1 if recycle else workers
        pool = ProcessPoolExecutor(max_workers=processes, mp_context=multiprocessing.get_context("spawn"),
                                   initializer=_worker_load, initargs=(definitions_module,),
                                   max_tasks_per_child=1 if recycle else None)
        # Workers start when work is first submitted: start them now, so they load the
        # definitions (~7 s) while the first, unpartitioned stage runs here. (Recycled ones
        # spend their one task on this and are replaced at once: loaded, idle, unused.)
        for _ in range(processes):
            pool.submit(int)

    def years_of(key: dg.AssetKey) -> Sequence[int]:
        return years.get(key, ()) if isinstance(years, Mapping) else years

    try:
        for stage in stages:
            # The warehouse exposes whatever tables exist: nothing upstream keeps it from running.
            blocked = [k for k in stage.keys if k != WAREHOUSE_KEY and source_plan.is_blocked(graph, k, failed)]
            runnable = [k for k in stage.keys if k not in blocked]
            failed.update(blocked)
            if blocked:
                results.append(StageRun([], None, False, 0.0, blocked))
                on_progress(results[-1])
            if stage.partitioned:
                partitions = sorted({y for k in runnable for y in years_of(k)})
                batches = [(str(y), group) for y in partitions
                           for group in by_partitioning(graph, [k for k in runnable if y in years_of(k)])]
            else:
                batches = [(None, runnable)] if runnable else []
            if pool is not None and stage.partitioned and batches:
                from concurrent.futures import FIRST_COMPLETED, wait
                from concurrent.futures.process import BrokenProcessPool

                waiting = iter(batches)

                def submit_next() -> set:
                    batch = next(waiting, None)
                    if batch is None:
                        return set()
                    partition, keys = batch
                    return {pool.submit(_worker_run, definitions_module, [k.to_user_string() for k in keys],
                                        partition, log_level)}

                # ``workers`` runs in flight; the next is submitted when one ends.
                in_flight = set().union(*(submit_next() for _ in range(workers)))
                runs = []
                try:
                    while in_flight:
                        done, in_flight = wait(in_flight, return_when=FIRST_COMPLETED)
                        for future in done:
                            runs.append(future.result())
                            on_progress(runs[-1])
                            in_flight |= submit_next()
                except BrokenProcessPool as exc:
                    raise RuntimeError(
                        f"a worker process building {', '.join(k.to_user_string() for k in runnable)} died "
                        "(killed by the system, most often for lack of memory: see `dmesg`); the years "
                        "already built are kept: re-run with fewer workers (`chu run --workers 1`)"
                    ) from exc
            else:
                runs = []
                for partition, batch in batches:
                    runs.append(_run_batch(defs, all_assets, batch, partition, instance, log_level))
                    on_progress(runs[-1])
            for run in sorted(runs, key=lambda r: r.partition or ""):
                failed.update(run.failed)
                results.append(run)
    finally:
        if pool is not None:
            pool.shutdown()
    return results
