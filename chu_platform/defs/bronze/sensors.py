"""The drop sensor: a settled new or changed file requests its bronze tables' runs."""

import json
import time
from datetime import UTC, datetime

import dagster as dg

from chu_platform.layers.bronze import watch
from chu_platform.layers.bronze.discovery import chu_death_years
from chu_platform.layers.bronze.drop import DropUnavailable, LocalDrop
from chu_platform.layers.bronze.raw import raw_root, read_manifest
from chu_platform.defs.bronze.assets import FILE_ASSETS
from chu_platform.defs.bronze.resources import DropResource
from chu_platform.defs.resources import ChuSettings
from chu_platform.defs.partitions import yearly_partitions
from chu_platform.defs.tags import ON_DEMAND_TAG

# The first year-partitioned asset of each source family: what is below another family's root
# has that family's years.
FAMILY_ROOTS = [dg.AssetKey(["bronze", "deaths"]), dg.AssetKey(["bronze", "satisfaction"]),
                dg.AssetKey(["bronze", "care_consultations"]), dg.AssetKey(["silver", "hospitalisations"])]
# What a settled file may set going: its bronze tables and, for a year file, the assets below
# them with the same years (silver, gold facts and their pre-aggregates), in one range run of
# the file's years. One job per partitioning — a Dagster run has one; the marts follow through
# their automation conditions.
_WHOLE_FILES = [a.key for a in FILE_ASSETS if a.partitions_def is None]
_YEAR_FILES = {a.key: a.partitions_def for a in FILE_ASSETS if a.partitions_def is not None}
LOAD_JOBS = {
    "load_files": dg.define_asset_job("load_files", selection=dg.AssetSelection.assets(*_WHOLE_FILES)),
    **{
        f"load_{key.path[-1]}": dg.define_asset_job(
            f"load_{key.path[-1]}",
            selection=(dg.AssetSelection.assets(key).downstream().materializable()
                       - dg.AssetSelection.groups("marts", "ops")
                       - dg.AssetSelection.assets(*(r for r in FAMILY_ROOTS if r != key)).downstream()),
            partitions_def=partitions_def,
        )
        for key, partitions_def in _YEAR_FILES.items()
    },
}


def _job_for(bronze: list[dg.AssetKey]) -> str:
    year_files = [k for k in bronze if k in _YEAR_FILES]
    return f"load_{year_files[0].path[-1]}" if year_files else "load_files"


def follow_on(context: dg.SensorEvaluationContext, keys: list[dg.AssetKey]) -> list[dg.AssetKey]:
    """The year-partitioned assets downstream of ``keys`` that the same run can build for the
    file's year: every other input they read has been materialised already (a fresh platform
    loads bronze only, and ``chu run`` builds the rest). Without a repository (unit tests of
    the listing logic) nothing follows."""
    repository = getattr(context, "repository_def", None)
    if repository is None:
        return []
    graph = repository.asset_graph
    chain = set(keys)
    frontier = list(keys)
    while frontier:
        for child in sorted(graph.get(frontier.pop()).child_keys):
            node = graph.get(child)
            if child in chain or not node.is_materializable or node.partitions_def is None:
                continue
            if ON_DEMAND_TAG in (node.tags or {}):
                continue
            if node.partitions_def != graph.get(keys[0]).partitions_def:
                continue
            # The tables its checks read too (gold/fact_deces' keys_in_dimensions reads dim_date):
            # a check that cannot read them would fail the run.
            outside = [p for p in (*node.parent_keys, *_check_reads(graph, child)) if p not in chain]
            if all(context.instance.get_latest_materialization_event(p) is not None for p in outside):
                chain.add(child)
                frontier.append(child)
    return sorted(chain - set(keys))


def _check_reads(graph, key: dg.AssetKey) -> list[dg.AssetKey]:
    """The other assets the checks of ``key`` read (their ``additional_deps``)."""
    return [dep.asset_key for check in graph.get_check_keys_for_assets({key})
            for dep in graph.get_check_spec(check).additional_deps]


def _offered(assets: tuple[str, ...], partition: str) -> bool:
    """Whether every bronze table of a request offers the year (a source's first year bounds it)."""
    by_name = {a.key.path[-1]: a for a in FILE_ASSETS}
    return all(by_name[a].partitions_def is None or by_name[a].partitions_def.has_partition_key(partition)
               for a in assets if a in by_name)


def _instance(context: dg.SensorEvaluationContext) -> dg.DagsterInstance | None:
    """The sensor's instance; none for a context built without one (unit tests of the listing)."""
    try:
        return context.instance
    except dg.DagsterInvariantViolationError:
        return None


def loading_backfill(instance: dg.DagsterInstance | None) -> str | None:
    """The id of a backfill in progress that loads bronze tables, if any: its own runs land the
    drop's files, so the sensor's requests would load the same files again, racing it for the
    run queue and the tables (seen with ``chu backfill`` on a fresh data directory)."""
    from chu_platform.lib.dagster_private import BulkActionsFilter, BulkActionStatus

    if instance is None:
        return None
    bronze = {a.key for a in FILE_ASSETS}
    in_progress = BulkActionsFilter(statuses=[BulkActionStatus.REQUESTED, BulkActionStatus.CANCELING])
    for backfill in instance.get_backfills(filters=in_progress):
        if bronze & set(backfill.asset_selection or ()):
            return backfill.backfill_id
    return None


def write_unrecognised(settings: ChuSettings, files, origin: str) -> None:
    """``<data_dir>/raw/unrecognised.json``: the drop's files no rule recognises."""
    path = raw_root(settings.data_path) / "unrecognised.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    listing = {
        "origin": origin,
        "checked_at": datetime.now(UTC).isoformat(),
        "files": [{"path": f.path, "size": f.size, "mtime": f.mtime} for f in files],
        "what_to_do": "rename the file to a name of chu_platform/schemas/sources.py, or ignore it if it is "
                      "a HAS companion file (lexicon, other indicators), which the satisfaction "
                      "asset keeps in raw without loading",
    }
    partial = path.with_suffix(".json.partial")
    partial.write_text(json.dumps(listing, indent=1, ensure_ascii=False))
    partial.replace(path)


@dg.sensor(name="ftp_new_files", minimum_interval_seconds=5, jobs=list(LOAD_JOBS.values()),
           default_status=dg.DefaultSensorStatus.RUNNING)
def ftp_new_files(context: dg.SensorEvaluationContext, settings: ChuSettings, drop: DropResource) -> dg.SensorResult:
    """Lists the drop; files that kept their size since the last tick run their bronze assets,
    and in the same run, for a year file, what that year feeds in silver and gold."""
    backfill = loading_backfill(_instance(context))
    if backfill is not None:
        # The cursor is kept: what the backfill does not land is requested once it ends.
        return dg.SensorResult(skip_reason=f"backfill {backfill} is loading the drop", cursor=context.cursor)
    client = drop.client()

    def years_of(f) -> set[int]:
        return chu_death_years(client.read_bytes(f.path), f.path)

    keys = set(yearly_partitions.get_partition_keys())
    # The settle rule of every landing (CHU_SETTLE_SECONDS, bronze.drop): a local file
    # untouched for that long is complete; an FTP server's clock is not ours, so remote files
    # wait for two identical listings.
    settle = settings.settle if isinstance(client, LocalDrop) else None

    def landed() -> set[tuple[str, int, float]]:
        manifest = read_manifest(settings.table_uri("raw", "manifest"))
        return set(manifest.select("drop_path", "size", "drop_mtime").iter_rows())

    try:
        result = watch.plan(client.list_files(), context.cursor, years_of, keys, time.time(), settle, landed)
    except DropUnavailable as error:
        # The next tick lists again; the cursor is kept, so nothing is requested twice or lost.
        context.log.warning(f"{error} Listing again at the next tick.")
        return dg.SensorResult(skip_reason=str(error), cursor=context.cursor)
    for path in result.newly_unrecognised:
        context.log.warning(f"{path}: not a recognised source file; listed in raw/unrecognised.json")
    for path in result.outside:
        context.log.error(f"{path}: outside the platform's year partitions; not requested")
    if result.waiting:
        context.log.info(f"waiting for {len(result.waiting)} file(s) to settle: {', '.join(result.waiting[:5])}")
    if result.newly_unrecognised or set(json.loads(context.cursor or "{}").get("unrecognised", [])) != {
        f.path for f in result.unrecognised
    }:
        write_unrecognised(settings, result.unrecognised, client.origin)
    requests = []
    for r in result.requests:
        bronze = [dg.AssetKey(["bronze", a]) for a in r.assets]
        if r.partition is not None and not _offered(r.assets, r.partition):
            context.log.error(f"{', '.join(r.files)}: year {r.partition} is before the first year of its source; not requested")
            continue
        following = follow_on(context, bronze) if r.partition is not None else []
        if following:
            context.log.info(f"{', '.join(r.files)} [{r.partition}]: bronze, then {', '.join(k.to_user_string() for k in following)}")
        requests.append(dg.RunRequest(
            job_name=_job_for(bronze),
            run_key=r.run_key,
            asset_selection=[*bronze, *following],
            partition_key=r.partition,
            tags={"chu/files": ",".join(r.files)[:200]},
        ))
    return dg.SensorResult(run_requests=requests, cursor=json.dumps(result.cursor))
