"""Keeping the lake small: compact each Delta table's small files and vacuum the files that no
version within the retention period still reads.

Every run that rewrites a year replaces its Parquet files; Delta keeps the old ones so that
time travel (``DeltaTable(uri, version=n)``) works, and never deletes them by itself.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

from deltalake import DeltaTable

from chu_platform.lib import delta_store

# A ``.partial`` download older than this belongs to a process that died (kill -9, power loss).
STALE_PARTIAL_SECONDS = 24 * 3600


@dataclass(frozen=True)
class Tidied:
    uri: str
    files_compacted: int
    files_written: int
    files_vacuumed: int


@dataclass(frozen=True)
class Usage:
    files: int
    bytes: int


def tables(lake: Path) -> list[Path]:
    """The Delta tables of a local lake (every folder holding a ``_delta_log``)."""
    return sorted(log.parent for log in lake.rglob("_delta_log") if log.is_dir())


def usage(root: Path) -> Usage:
    files = [p for p in root.rglob("*") if p.is_file()] if root.is_dir() else []
    return Usage(len(files), sum(p.stat().st_size for p in files))


def tidy(uri: str, retention_hours: int, storage_options: dict[str, str] | None = None) -> Tidied:
    """Compact, then vacuum with ``retention_hours`` of time travel kept.

    Retention is the operator's setting, so Delta's own minimum (a week) is not enforced; a
    retention shorter than the longest run may remove files a running write has not committed
    yet, which is why the schedule keeps days, not hours.
    """
    table = DeltaTable(uri, storage_options=storage_options)
    metrics = table.optimize.compact(writer_properties=delta_store.writer_properties())
    # ``full``: also files no commit ever referenced (a write killed before its commit).
    removed = table.vacuum(retention_hours=retention_hours, dry_run=False, enforce_retention_duration=False,
                           full=True)
    return Tidied(uri, int(metrics.get("numFilesRemoved", 0)), int(metrics.get("numFilesAdded", 0)), len(removed))


def stale_partials(incoming: Path, now: float | None = None, age: float = STALE_PARTIAL_SECONDS) -> list[Path]:
    """Interrupted downloads left in ``raw/.incoming`` by a process that died."""
    now = time.time() if now is None else now
    if not incoming.is_dir():
        return []
    return sorted(p for p in incoming.rglob("*.partial") if p.is_file() and now - p.stat().st_mtime > age)
