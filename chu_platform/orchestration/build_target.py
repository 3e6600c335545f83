"""What a build materialises, and the Dagster runs that build it: the one module behind
``chu run`` and ``chu backfill``.

``plan_run`` chooses the target: every asset fed by the chosen sources (bronze assets carry a
``chu/source`` tag; everything downstream of them follows), the reference assets that no
source feeds, and the warehouse; each partitioned asset for the years its sources hold (a year
without a file is never requested). ``target`` turns it into asset partitions, leaving out
what is already materialised unless forced.

``plan_runs`` cuts a target into runs of the build jobs (``chu_platform/defs/jobs.py``), one
per job and range of consecutive years, each asset computing its years in one step;
``execute`` runs them through Dagster (``dg.execute_job``: the job's executor, so
``CHU_EXECUTOR`` is honoured) with one failure rule: a failure travels down to what reads it,
within a run by Dagster's own rule, across runs by ``source_plan.is_blocked``, and stops at a
gold dimension.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field

import dagster as dg

from chu_platform.lib import check_status
from chu_platform.orchestration import source_plan
from chu_platform.defs import jobs
from chu_platform.defs.partitions import years_of
from chu_platform.schemas.sources import SOURCES
from chu_platform.defs.tags import ON_DEMAND_TAG, RUNNER_TAG, SOURCE_TAG

WAREHOUSE_KEY = dg.AssetKey(["marts", "warehouse"])
# The console shows warnings and errors; every event is in the instance (the UI's Runs page).
QUIET = {"loggers": {"console": {"config": {"log_level": "WARNING"}}}}
RANGE_START, RANGE_END = "dagster/asset_partition_range_start", "dagster/asset_partition_range_end"


@dataclass
class RunPlan:
    """What a build materialises; ``skipped`` says which requested sources are left out and why."""

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
    """The assets and years a build of ``sources`` materialises.

    ``available`` is bronze discovery's answer: a source absent from it is not configured and
    is skipped. A partitioned asset is built for the years of every configured source feeding it
    (not only the requested ones: its partition holds all of them), restricted to ``years``
    when given; one that no source with years feeds is built for all years found.
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
        # A year before the asset's source begins has no partition (chu_platform/defs/partitions.py).
        years_by_key[key] = sorted(own & years_of(graph.get(key).partitions_def))
    return RunPlan(keys, years_by_key, skipped, sourced.warnings)


ACTIVE = [dg.DagsterRunStatus.QUEUED, dg.DagsterRunStatus.NOT_STARTED, dg.DagsterRunStatus.STARTING,
          dg.DagsterRunStatus.STARTED]
BACKFILL_TAG = "dagster/backfill"


class BuildInProgress(Exception):
    """Another build is under way on the instance: a second one is refused, naming it."""


def in_flight(instance: dg.DagsterInstance) -> str | None:
    """What build is under way on the instance, if any: a backfill (``chu backfill`` or the UI's),
    or a run of ``chu run`` or of a build job (launched from the UI). Two builds writing the
    same tables at once would each replace the other's years: the rule is one at a time, for
    every way a build starts. Sensor loads of a new file are not builds (they replace their
    own years only) and go on."""
    from chu_platform.lib.dagster_private import backfills_in_flight

    for backfill in backfills_in_flight(instance):
        from chu_platform.deploy.services import daemon_alive

        state = "being cancelled" if backfill.status.value == "CANCELING" else "in progress"
        if not daemon_alive(instance):
            state += (" but no daemon runs it (`make up` starts one, which runs it to its end; the UI's "
                      "Backfills page cancels it)")
        return f"backfill {backfill.backfill_id} ({backfill.title or 'from the UI'}) is {state}"
    for record in instance.get_run_records(dg.RunsFilter(statuses=ACTIVE)):
        run = record.dagster_run
        if run.job_name in jobs.PARTITIONS or RUNNER_TAG in run.tags:
            who = run.tags.get(RUNNER_TAG, "the UI or the daemon")
            return f"run {run.run_id[:8]} of {run.job_name} ({who}) is {run.status.value.lower()}"
    return None


def refuse_if_busy(instance: dg.DagsterInstance) -> list[str]:
    """Under the data directory's lock: runs whose ``chu`` client was killed are reported failed
    (one line each, returned), then ``BuildInProgress`` if a build is still under way."""
    from chu_platform.orchestration.clients import close_orphaned_runs

    closed = close_orphaned_runs(instance, ACTIVE)
    busy = in_flight(instance)
    if busy:
        raise BuildInProgress(f"another build is under way: {busy}. Wait for it to end (the UI's Runs and "
                              "Backfills pages show it), then run again.")
    return closed


def range_tags(years: Sequence[int]) -> dict[str, str]:
    """The tags of a Dagster run over the years ``years[0]``..``years[-1]`` (a range run)."""
    return {RANGE_START: str(min(years)), RANGE_END: str(max(years))}


@dataclass(frozen=True)
class PlannedRun:
    """One Dagster run of a build job: its assets, and its years (None: no partitioned asset)."""

    job: str
    keys: tuple[dg.AssetKey, ...]
    years: tuple[int, ...] | None

    @property
    def label(self) -> str:
        if not self.years:
            return self.job
        span = str(self.years[0]) if len(self.years) == 1 else f"{self.years[0]}-{self.years[-1]}"
        return f"{self.job} [{span}]"


def consecutive(years: Iterable[int]) -> list[list[int]]:
    """``years`` as runs of consecutive years: a range run covers every year between its ends."""
    ranges: list[list[int]] = []
    for year in sorted(set(years)):
        if ranges and year == ranges[-1][-1] + 1:
            ranges[-1].append(year)
        else:
            ranges.append([year])
    return ranges


def plan_runs(defs: dg.Definitions, keys: Iterable[dg.AssetKey],
              years_by_key: Mapping[dg.AssetKey, Sequence[int]]) -> list[PlannedRun]:
    """The runs that build ``keys``: for each build job in order, one run per set of years its
    partitioned assets need and range of consecutive years in it (e-Satis starts in 2016 when
    the care database starts in 2015: its assets get a run of their own, so that no year without
    a file is ever requested); the unpartitioned assets go with the first run, of the widest
    set. A partitioned asset with no year to build is left out."""
    graph = defs.resolve_asset_graph()
    wanted = set(keys)
    planned: list[PlannedRun] = []
    for job, selection in jobs.selections(graph).items():
        members = sorted(set(selection.resolve(graph)) & wanted, key=lambda k: k.to_user_string())
        whole = [k for k in members if graph.get(k).partitions_def is None]
        by_years: dict[tuple[int, ...], list[dg.AssetKey]] = {}
        for key in members:
            if graph.get(key).partitions_def is not None and years_by_key.get(key):
                by_years.setdefault(tuple(sorted(set(years_by_key[key]))), []).append(key)
        if not by_years:
            if whole:
                planned.append(PlannedRun(job, tuple(whole), None))
            continue
        first = True
        for years, yearly in sorted(by_years.items(), key=lambda item: (-len(item[0]), item[0])):
            for span in consecutive(years):
                planned.append(PlannedRun(job, tuple((whole if first else []) + yearly), tuple(span)))
                first = False
    return planned


@dataclass
class RunOutcome:
    planned: PlannedRun
    run_id: str | None
    success: bool
    seconds: float
    failed: list[dg.AssetKey] = field(default_factory=list)
    skipped: list[dg.AssetKey] = field(default_factory=list)
    failed_checks: list[str] = field(default_factory=list)
    warned_checks: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


def job_of(name: str) -> dg.JobDefinition:
    """A build job of the platform's definitions (``dg.build_reconstructable_job`` calls it, in
    this process or in an executor's; the resources read the environment when they are used)."""
    from chu_platform.definitions import defs

    return defs.resolve_job_def(name)


# Where the build jobs come from: a module and a function of one argument, the job's name.
PLATFORM_JOBS = ("chu_platform.orchestration.build_target", "job_of")


def _errors(result) -> list[str]:
    """The first lines of each failed step's own error (under Dagster's wrappers: step execution,
    retries exhausted); a failed year names itself on a line of its own."""
    lines = []
    for event in result.get_step_failure_events():
        data = event.step_failure_data
        user = data.user_failure_data.description if data.user_failure_data else None
        error = data.error
        while error is not None and error.cause is not None:
            error = error.cause
        message = (user or (error.message if error else "")).strip()
        lines += [line.strip()[:300] for line in message.splitlines()[:10] if line.strip()]
    return lines


def execute(planned: Sequence[PlannedRun], instance: dg.DagsterInstance, graph,
            on_progress: Callable[[RunOutcome], None] = lambda outcome: None,
            tags: Mapping[str, str] | None = None, job_source: tuple[str, str] = PLATFORM_JOBS) -> list[RunOutcome]:
    """Run ``planned`` in order through Dagster. A run whose assets are all kept from running by
    an earlier failure is not launched; the others run without what the failure blocks.

    Each run carries this process's identity (``chu/client``): killed, its run is closed by the
    next build (``clients.close_orphaned_runs``). A signal (``SIGINT``, ``SIGTERM``, ``SIGHUP``)
    ends the run in progress, failed, and raises ``KeyboardInterrupt``: no further run starts; a
    run it caught before Dagster started it is reported canceled (``clients.close_own_runs``)."""
    from chu_platform.orchestration.clients import CLIENT_TAG, client_tag, close_own_runs, interrupt_on_signals

    tag = client_tag()
    with interrupt_on_signals() as received:
        try:
            return _execute(planned, instance, graph, on_progress, {CLIENT_TAG: tag, **(tags or {})},
                            job_source, received)
        except KeyboardInterrupt:
            # A run the signal caught before Dagster started it is not left waiting.
            close_own_runs(instance, tag, ACTIVE)
            raise


def _execute(planned, instance, graph, on_progress, tags, job_source, received) -> list[RunOutcome]:
    from chu_platform.orchestration.clients import Interrupted, interrupted

    outcomes: list[RunOutcome] = []
    failed: set[dg.AssetKey] = set()
    for run in planned:
        blocked = [k for k in run.keys if k != WAREHOUSE_KEY and source_plan.is_blocked(graph, k, failed)]
        keys = [k for k in run.keys if k not in blocked]
        failed.update(blocked)
        if not keys:
            outcomes.append(RunOutcome(run, None, False, 0.0, skipped=blocked))
            on_progress(outcomes[-1])
            continue
        run_tags = {RUNNER_TAG: "chu run", **(tags or {})}
        if run.years:
            run_tags.update(range_tags(run.years))
        started = time.perf_counter()
        recon = dg.build_reconstructable_job(*job_source, (run.job,))
        with dg.execute_job(recon, instance, run_config=QUIET, tags=run_tags, asset_selection=keys,
                            raise_on_error=False) as result:
            done = {e.asset_key for e in result.get_asset_materialization_events()}
            # Each result's status as every page names it (lib/check_status.py).
            statuses = [(f"{e.asset_key.to_user_string()}:{e.check_name}", check_status.of(e))
                        for e in result.get_asset_check_evaluations()]
            checks = sorted({name for name, status in statuses if status == check_status.FAILED})
            warned = sorted({name for name, status in statuses if status == check_status.WARNED})
            outcome = RunOutcome(run, result.run_id, result.success, time.perf_counter() - started,
                                 failed=[k for k in keys if k not in done], skipped=blocked, failed_checks=checks,
                                 warned_checks=warned,
                                 errors=_errors(result))
            stopped = interrupted(result)
        failed.update(outcome.failed)
        outcomes.append(outcome)
        on_progress(outcome)
        if stopped:
            raise Interrupted(f"run {outcome.run_id[:8]} stopped by a signal: it ended failed")
        if received.drain():
            raise Interrupted(f"{received[0].name} as run {outcome.run_id[:8]} ended, "
                              f"{'done' if outcome.success else 'failed'}")
    return outcomes
