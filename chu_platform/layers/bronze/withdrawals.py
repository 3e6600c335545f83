"""Withdrawn deliveries: a version of a raw file that must no longer be loaded.

A delivery sent by mistake (a monthly file beside its year's file, a CSV copy of the
register, a file of another year) cannot be undone by removing it from the drop: the raw
zone keeps every version, and bronze reads the latest version of each delivered file
whether or not the drop still shows it. ``chu withdraw`` marks one version withdrawn in
``raw/withdrawals`` (append-only: who, when, why; the file stays in the raw zone, the
manifest is never rewritten); bronze then loads the remaining versions as if the withdrawn
one had never been delivered. ``chu withdraw --restore`` takes a withdrawal back.

A version is identified by its delivery (source, year, drop path) and its bytes (sha256):
delivering the same bytes again does not bring a withdrawn version back, changed bytes are
a new version and are loaded.
"""

from __future__ import annotations

import socket
from datetime import UTC, datetime
from pathlib import PurePosixPath

import polars as pl

from chu_platform.layers.bronze import raw
from chu_platform.lib import delta_store

SCHEMA = {
    "source": pl.String, "year": pl.Int32, "drop_path": pl.String, "sha256": pl.String, "raw_path": pl.String,
    "version": pl.Int32, "action": pl.String, "at": pl.Datetime("us", "UTC"), "user": pl.String,
    "login": pl.String, "host": pl.String, "reason": pl.String,
}
WITHDRAWN, RESTORED = "withdrawn", "restored"
KEY = ("source", "year", "drop_path", "sha256")


def uri_beside(manifest_uri: str) -> str:
    """``raw/withdrawals`` next to ``raw/manifest``."""
    return manifest_uri.rstrip("/").rsplit("/", 1)[0] + "/withdrawals"


def read(uri: str) -> pl.DataFrame:
    return delta_store.read(uri) if delta_store.exists(uri) else pl.DataFrame(schema=SCHEMA)


def withdrawn(history: pl.DataFrame) -> pl.DataFrame:
    """The versions withdrawn now (their latest action is a withdrawal), one row each."""
    if history.height == 0:
        return history
    last = history.sort("at").group_by(list(KEY), maintain_order=True).last()
    return last.filter(pl.col("action") == WITHDRAWN)


def remaining(manifest: pl.DataFrame, history: pl.DataFrame) -> pl.DataFrame:
    """The manifest without its withdrawn versions."""
    gone = withdrawn(history)
    if gone.height == 0:
        return manifest
    return manifest.join(gone.select(KEY), on=list(KEY), how="anti", nulls_equal=True)


def describe(history: pl.DataFrame, drop_paths: set[str]) -> list[str]:
    """One line per withdrawn version of the given drop paths, for the run log."""
    gone = withdrawn(history).filter(pl.col("drop_path").is_in(sorted(drop_paths)))
    return [f"{r['drop_path']} (version {r['version']}, raw copy {r['raw_path']}) not loaded: withdrawn by "
            f"{r['user']} on {r['at']:%Y-%m-%d %H:%M} UTC ({r['reason'] or 'no reason given'}); "
            f"`chu withdraw --restore {r['drop_path']}` loads it again"
            for r in gone.sort("drop_path").iter_rows(named=True)]


def loaded_windows(manifest: pl.DataFrame, history: pl.DataFrame, year: int) -> list[tuple[float, float]]:
    """(from, to) epoch seconds during which a delivery now withdrawn could be loaded for
    ``year``: from its reception to its withdrawal. A table's materialisation of the year in
    such a window is no reference for the volume checks: against it, the year rebuilt without
    the withdrawn delivery would look like a jump and be refused."""
    gone = withdrawn(history).filter(pl.col("year").is_null() | (pl.col("year") == year))
    if gone.height == 0:
        return []
    received = manifest.group_by(list(KEY)).agg(pl.col("received_at").min())
    spans = gone.join(received, on=list(KEY), how="inner", nulls_equal=True)
    return [(r["received_at"].timestamp(), r["at"].timestamp()) for r in spans.iter_rows(named=True)]


class WithdrawalError(ValueError):
    """The path names no delivery, or several."""


def find(manifest: pl.DataFrame, history: pl.DataFrame, path: str, restore: bool = False) -> raw.Landed:
    """The version ``path`` designates: a raw path names one version; a drop path (or a file
    name, when only one delivery has it) names its latest version still loaded — or, with
    ``restore``, its latest withdrawn one."""
    wanted = path.strip().strip("/")
    exact = manifest.filter(pl.col("raw_path") == wanted)
    if exact.height == 0:
        exact = manifest.filter(pl.col("drop_path") == wanted)
    if exact.height == 0:
        exact = manifest.filter(pl.col("name") == PurePosixPath(wanted).name)
    if exact.height == 0:
        known = ", ".join(sorted(set(manifest.get_column("drop_path").to_list()))[:20]) or "none"
        raise WithdrawalError(f"{path}: no delivery of that name in the raw zone (delivered files: {known})")
    deliveries = exact.select("source", "year", "drop_path").unique()
    if deliveries.height > 1:
        listed = ", ".join(sorted(deliveries.get_column("drop_path").to_list()))
        raise WithdrawalError(f"{path}: several deliveries have that name ({listed}); give the drop path")
    gone = withdrawn(history).join(exact.select(KEY).unique(), on=list(KEY), how="semi", nulls_equal=True)
    if restore:
        candidates = exact.join(gone.select(KEY), on=list(KEY), how="semi", nulls_equal=True)
        if candidates.height == 0:
            raise WithdrawalError(f"{path}: no withdrawn version to restore")
    else:
        candidates = exact.join(gone.select(KEY), on=list(KEY), how="anti", nulls_equal=True)
        if candidates.height == 0:
            raise WithdrawalError(f"{path}: every version is withdrawn already (`chu withdraw --restore` takes one back)")
    row = candidates.sort(["version", "received_at"]).row(-1, named=True)
    return raw.Landed(**{k: row[k] for k in raw.MANIFEST_SCHEMA})


def record(version: raw.Landed, uri: str, action: str, user: str, login: str | None, reason: str) -> pl.DataFrame:
    """Append one withdrawal (or restoration) of ``version``; returns the row written."""
    row = pl.DataFrame({
        "source": [version.source], "year": [version.year], "drop_path": [version.drop_path],
        "sha256": [version.sha256], "raw_path": [version.raw_path], "version": [version.version],
        "action": [action], "at": [datetime.now(UTC)], "user": [user], "login": [login],
        "host": [socket.gethostname()], "reason": [reason or None],
    }, schema=SCHEMA)
    delta_store.append(row, uri)
    return row
