"""The drop sensor: a settled new or changed file requests its bronze tables' runs."""

import json
import time
from datetime import UTC, datetime

import dagster as dg

from chu_platform.bronze import watch
from chu_platform.bronze.discovery import chu_death_years
from chu_platform.bronze.drop import LocalDrop
from chu_platform.bronze.raw import raw_root, read_manifest
from chu_platform.defs.bronze.assets import FILE_ASSETS
from chu_platform.defs.bronze.resources import DropResource
from chu_platform.defs.resources import ChuSettings
from chu_platform.partitions import yearly_partitions
from chu_platform.runner import ON_DEMAND_TAG

SETTLE_SECONDS = 5.0
# What a settled file may set going: its bronze tables and the year-partitioned assets below
# them (silver, gold facts, gold pre-aggregates). The marts follow through marts_automation.
TARGET = (
    dg.AssetSelection.assets(*[a.key for a in FILE_ASSETS]).downstream().materializable()
    - dg.AssetSelection.groups("marts", "ops")
)


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
            if child in chain or not node.is_materializable or node.partitions_def != yearly_partitions:
                continue
            if ON_DEMAND_TAG in (node.tags or {}):
                continue
            outside = [p for p in node.parent_keys if p not in chain]
            if all(context.instance.get_latest_materialization_event(p) is not None for p in outside):
                chain.add(child)
                frontier.append(child)
    return sorted(chain - set(keys))


def write_unrecognised(settings: ChuSettings, files, origin: str) -> None:
    """``<data_dir>/raw/unrecognised.json``: the drop's files no rule recognises."""
    path = raw_root(settings.data_dir) / "unrecognised.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    listing = {
        "origin": origin,
        "checked_at": datetime.now(UTC).isoformat(),
        "files": [{"path": f.path, "size": f.size, "mtime": f.mtime} for f in files],
        "what_to_do": "rename the file to a name of chu_platform/sources.py, or ignore it if it is "
                      "a HAS companion file (lexicon, other indicators), which the satisfaction "
                      "asset keeps in raw without loading",
    }
    partial = path.with_suffix(".json.partial")
    partial.write_text(json.dumps(listing, indent=1, ensure_ascii=False))
    partial.replace(path)


@dg.sensor(name="ftp_new_files", minimum_interval_seconds=5, target=TARGET,
           default_status=dg.DefaultSensorStatus.RUNNING)
def ftp_new_files(context: dg.SensorEvaluationContext, settings: ChuSettings, drop: DropResource) -> dg.SensorResult:
    """Lists the drop; files that kept their size since the last tick run their bronze assets,
    and in the same run, for a year file, what that year feeds in silver and gold."""
    client = drop.client()
    files = client.list_files()

    def years_of(f) -> set[int]:
        return chu_death_years(client.read_bytes(f.path), f.path)

    keys = set(yearly_partitions.get_partition_keys())
    # A local file untouched for SETTLE_SECONDS is complete; an FTP server's clock is not ours,
    # so remote files wait for two identical listings.
    settle = SETTLE_SECONDS if isinstance(client, LocalDrop) else None

    def landed() -> set[tuple[str, int, float]]:
        manifest = read_manifest(settings.table_uri("raw", "manifest"))
        return set(manifest.select("drop_path", "size", "drop_mtime").iter_rows())

    result = watch.plan(files, context.cursor, years_of, keys, time.time(), settle, landed)
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
        following = follow_on(context, bronze) if r.partition is not None else []
        if following:
            context.log.info(f"{', '.join(r.files)} [{r.partition}]: bronze, then {', '.join(k.to_user_string() for k in following)}")
        requests.append(dg.RunRequest(
            run_key=r.run_key,
            asset_selection=[*bronze, *following],
            partition_key=r.partition,
            tags={"chu/files": ",".join(r.files)[:200]},
        ))
    return dg.SensorResult(run_requests=requests, cursor=json.dumps(result.cursor))
