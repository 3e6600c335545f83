"""Build the dashboard file: read, compute, mask, write."""

from __future__ import annotations

import gc
import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import dagster as dg

from chu_platform.dashboard import activity, extract, figures, geo, page, narratives, payload, quality, secrecy

TITLE = "CHU Platform"
FILE_NAME = "dashboard.html"


class DashboardError(ValueError):
    """The dashboard cannot be built as asked; the message says what to do."""


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Python's cyclic garbage collector off while the document is built: the page's cells,
    groups and selections are millions of small tuples and lists that live until the end, which
    the collector would walk again and again for nothing to free (12 to 15 % of the build at
    scale 1, docs/benchmarks.md "Session 14"). Reference counting still frees everything else."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def document(lake: str, instance: dg.DagsterInstance | None, check_specs: Mapping[dg.AssetCheckKey, str],
             lang: str = "fr", now: datetime | None = None) -> dict:
    """The JSON the page embeds: masked figures, narratives, quality, latency, outlines."""
    with _collector_paused():
        return _document(lake, instance, check_specs, lang, now)


def _document(lake: str, instance: dg.DagsterInstance | None, check_specs: Mapping[dg.AssetCheckKey, str],
              lang: str, now: datetime | None) -> dict:
    if lang not in narratives.LANGS:
        raise DashboardError(f"language '{lang}' is not offered; choose one of {', '.join(narratives.LANGS)}")
    now = now or datetime.now(UTC)
    gold = extract.read_gold(lake)
    if not gold.years:
        raise DashboardError("gold holds no year of data yet: run `chu run` (or `chu demo`) first")
    data = payload.build_payload(gold, payload.marts_masks(lake, gold))
    checks = quality.check_results(instance, check_specs)
    loads = quality.file_loads(lake)
    fresh = quality.freshness(lake, now)
    latency = quality.latency(lake)
    return {
        "meta": {"lang": lang, "generated": quality.paris(now), "legend": secrecy.LEGEND},
        "data": data,
        "narr": narratives.selection_narratives(data),
        "quality": {"checks": checks, "loads": loads, "fresh": fresh,
                    "narr": {lg: narratives.quality_narrative(checks, loads, fresh, lg) for lg in narratives.LANGS}},
        "latency": {**latency, "narr": {lg: narratives.latency_narrative(latency, lg) for lg in narratives.LANGS}},
        "catalogue": figures.catalogue(),
        "geo": geo.region_shapes(),
        "activity": activity.section(lake),
    }


def write(path: str | Path, doc: dict) -> Path:
    """Write the page owner-only (it is safe to pass around, but who passes it decides)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    text = page.render(doc, TITLE)
    tmp = path.with_suffix(path.suffix + ".tmp")
    with open(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "w", encoding="utf-8") as handle:
        handle.write(text)
    os.replace(tmp, path)
    return path


def default_path(data_dir: str | Path) -> Path:
    return Path(data_dir).resolve() / FILE_NAME
