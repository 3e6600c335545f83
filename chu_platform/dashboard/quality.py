"""What a director needs before trusting a figure: checks, rejected lines, source freshness,
and the response times of the reference queries.

Nothing here is about people: check outcomes, file names, line counts, dates, latencies.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import dagster as dg
import polars as pl

from chu_platform.layers.bronze.ingest import LOADS_SCHEMA
from chu_platform.layers.bronze.raw import read_manifest
from chu_platform.dashboard import peers, plain
from chu_platform.lib import check_status, delta_store
from chu_platform.layers.marts import analyses

# The directors read the time of their own clock.
PARIS = ZoneInfo("Europe/Paris")


def paris(moment: datetime) -> str:
    """``moment`` (UTC when naive) as Paris local time, "YYYY-MM-DD HH:MM"."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(PARIS).strftime("%Y-%m-%d %H:%M")


def check_results(instance: dg.DagsterInstance | None, specs: Mapping[dg.AssetCheckKey, str]) -> list[dict]:
    """Every check of the definitions: asset, check, status (passed / warned / failed / not
    run, decided by ``lib.check_status`` as on every other page: for a check per year, the
    worst of each year's latest result), the years that did not pass, description, when."""
    statuses = check_status.latest(instance, list(specs))
    rows = []
    for key in sorted(specs, key=lambda k: (k.asset_key.to_user_string(), k.name)):
        found = statuses[key]
        asset = key.asset_key.to_user_string()
        kind, checked, means = plain.family(key.name)
        rows.append({
            "asset": asset,
            "check": key.name,
            "status": found.status,
            "description": specs[key] or "",
            "family": kind,
            "subject": plain.subject(asset),
            "checked": checked,
            "means": means,
            "partition": ", ".join(found.not_passed) or None,
            "at": _iso(found.at) if found.at is not None else None,
        })
    return rows


def check_specs(graph) -> dict[dg.AssetCheckKey, str]:
    """Each check of an asset graph (``Definitions.resolve_asset_graph()``, or the running
    repository's ``asset_graph``) and its description."""
    return {key: graph.get_check_spec(key).description or "" for key in graph.asset_check_keys}


def _iso(timestamp: float) -> str:
    return paris(datetime.fromtimestamp(timestamp, UTC))


def file_loads(lake: str) -> list[dict]:
    """One row per delivered file loaded into bronze: lines read, rows kept, lines rejected."""
    uri = delta_store.table_uri(lake, ["bronze", "_loads"])
    loads = delta_store.read(uri) if delta_store.exists(uri) else pl.DataFrame(schema=LOADS_SCHEMA)
    table = (
        loads.group_by("entity", "file").agg(
            pl.col("lines_read").sum(), pl.col("rows").sum(), pl.col("rejects").sum(),
            pl.col("_ingested_at").max().alias("loaded_at"))
        .sort("rejects", "file", descending=[True, False])
    )
    return [{**row, "loaded_at": paris(row["loaded_at"]) if row["loaded_at"] else None} for row in table.to_dicts()]


def freshness(lake: str, now: datetime | None = None) -> list[dict]:
    """Per source: the files delivered, the latest delivery and its age in days (raw/manifest)."""
    manifest = read_manifest(delta_store.table_uri(lake, ["raw", "manifest"]))
    now = now or datetime.now(UTC)
    if manifest.is_empty():
        return []
    table = manifest.group_by("source").agg(
        pl.col("slot").n_unique().alias("files"),
        pl.col("received_at").max().alias("latest"),
        pl.col("year").max().alias("latest_year"),
    ).sort("source")
    return [
        {"source": r["source"], "name": plain.source(r["source"]), "files": r["files"], "latest_year": r["latest_year"],
         "received_at": paris(r["latest"]),
         "age_days": round((now - r["latest"]).total_seconds() / 86400, 1),
         "age": {lang: plain.age((now - r["latest"]).total_seconds() / 86400, lang) for lang in ("fr", "en")}}
        for r in table.iter_rows(named=True)
    ]


def latency(lake: str) -> dict:
    """The query benchmark's history (ops/query_latency) and the reference queries."""
    uri = delta_store.table_uri(lake, ["ops", "query_latency"])
    history = []
    if delta_store.exists(uri):
        rows = delta_store.read(uri).sort("run_at")
        history = [
            {"run_at": paris(r["run_at"]), "layout": r["layout_label"] or r["layout"], "layout_id": r["layout"],
             "query": r["query"], "p50_ms": round(r["p50_ms"], 2), "p95_ms": round(r["p95_ms"], 2),
             "rows_scanned": r["rows_scanned"], "code_version": r["code_version"]}
            for r in rows.iter_rows(named=True)
        ]
    queries = [{"name": a.name, "title": a.title, "label": plain.analysis(a.name), "numerator": a.numerator,
                "denominator": a.denominator} for a in analyses.ANALYSES.values()]
    return {"history": history, "queries": queries, "peers": peers.PEERS}
