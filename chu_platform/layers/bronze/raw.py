"""The raw zone: every delivered file kept as received, with a manifest row per version.

A file lands at ``<data_dir>/raw/<source>/<year or "all">/<path in the drop>`` (its *slot*:
the drop's folders are kept, so one name in two folders is two files, never one copy
overwriting the other). Landing the same bytes again adds nothing; different bytes at the
same drop path are a new version, stored beside the first as
``<stem>__<sha256[:12]><suffix>``, and bronze reads the latest version of each drop path.
The latest delivery wins: bytes equal to an earlier version (the good file delivered again
after a bad one) become the latest version again, a manifest row pointing at the copy
already kept. The manifest (Delta, append-only) is the history of deliveries.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath

import polars as pl

from chu_platform.layers.bronze.drop import Drop, DropFile
from chu_platform.lib import delta_store
from chu_platform.schemas.sources import Recognised

MANIFEST_SCHEMA = {
    "slot": pl.String,
    "name": pl.String,
    "drop_path": pl.String,
    "raw_path": pl.String,
    "source": pl.String,
    "entity": pl.String,
    "year": pl.Int32,
    "fmt": pl.String,
    "sha256": pl.String,
    "size": pl.Int64,
    "drop_mtime": pl.Float64,
    "received_at": pl.Datetime("us", "UTC"),
    "origin": pl.String,
    "version": pl.Int32,
}


@dataclass(frozen=True)
class Landed:
    """One version of one file in the raw zone (a manifest row)."""

    slot: str
    name: str
    drop_path: str
    raw_path: str
    source: str
    entity: str
    year: int | None
    fmt: str
    sha256: str
    size: int
    drop_mtime: float
    received_at: datetime
    origin: str
    version: int
    new: bool = False


class StillWriting(RuntimeError):
    """A delivered file changed while it was copied or while it settled: not complete yet."""


def raw_root(data_dir: str | Path) -> Path:
    return Path(data_dir).resolve() / "raw"


def slot_of(recognised: Recognised, drop_path: str) -> str:
    year = str(recognised.year) if recognised.year is not None else "all"
    return f"{recognised.source}/{year}/{drop_path}"


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def read_manifest(uri: str) -> pl.DataFrame:
    if not delta_store.exists(uri):
        return pl.DataFrame(schema=MANIFEST_SCHEMA)
    return delta_store.read(uri)


def _entry(row: dict) -> Landed:
    return Landed(**{k: row[k] for k in MANIFEST_SCHEMA})


# One delivered file's history: its drop path under one source and year (not the stored
# slot, which manifests written before the slot kept the folders did not distinguish).
_DELIVERY = ("source", "year", "drop_path")


def _history(manifest: pl.DataFrame, recognised: Recognised, drop_path: str) -> pl.DataFrame:
    return manifest.filter(
        (pl.col("drop_path") == drop_path) & (pl.col("source") == recognised.source)
        & pl.col("year").eq_missing(recognised.year)
    ).sort(["version", "received_at"])


def latest(manifest: pl.DataFrame) -> list[Landed]:
    """The latest version of each delivered file (of the versions in ``manifest``: the
    caller leaves the withdrawn ones out, ``withdrawals.remaining``)."""
    if manifest.height == 0:
        return []
    newest = manifest.sort([*_DELIVERY, "version", "received_at"], nulls_last=True).group_by(
        list(_DELIVERY), maintain_order=True).last()
    return [_entry(r) for r in newest.sort("slot").iter_rows(named=True)]


def land(
    drop: Drop, file: DropFile, recognised: Recognised, data_dir: str | Path, manifest_uri: str,
    manifest: pl.DataFrame | None = None,
) -> Landed:
    """Copy ``file`` from the drop into its raw slot and record it (no-op when it is the latest version)."""
    manifest = read_manifest(manifest_uri) if manifest is None else manifest
    name = PurePosixPath(file.path).name
    slot = slot_of(recognised, file.path)
    history = _history(manifest, recognised, file.path)
    current = history.row(-1, named=True) if history.height else None
    if current and current["size"] == file.size and current["drop_mtime"] == file.mtime:
        # Same size and modification time as the latest version: not fetched again.
        return _entry(current)
    root = raw_root(data_dir)
    incoming = root / ".incoming" / slot
    drop.fetch(file.path, incoming)
    after = drop.stat(file.path)
    copied = incoming.stat().st_size
    if after != file or copied != file.size:
        # Written to while it was copied: the copy is of no version at all.
        incoming.unlink(missing_ok=True)
        now = f"{after.size:,} bytes" if after else "gone"
        raise StillWriting(f"{file.path} changed while it was copied ({file.size:,} bytes listed, {copied:,} "
                           f"copied, now {now})")
    sha = _sha256(incoming)
    if current and current["sha256"] == sha:
        incoming.unlink()
        return _entry(current)
    version = int(history.get_column("version").max()) + 1 if history.height else 1
    known = history.filter(pl.col("sha256") == sha)
    if known.height:
        # An earlier version delivered again: it is the latest delivery, so it wins; its
        # bytes are already kept.
        incoming.unlink()
        stored = PurePosixPath(known.row(-1, named=True)["raw_path"])
    else:
        stored = PurePosixPath(slot)
        if version > 1:
            stored = stored.with_name(f"{stored.stem}__{sha[:12]}{stored.suffix}")
        target = root / stored
        target.parent.mkdir(parents=True, exist_ok=True)
        incoming.replace(target)
    entry = Landed(
        slot=slot, name=name, drop_path=file.path, raw_path=str(stored), source=recognised.source,
        entity=recognised.entity, year=recognised.year, fmt=recognised.fmt, sha256=sha,
        size=(root / stored).stat().st_size, drop_mtime=file.mtime, received_at=datetime.now(UTC),
        origin=drop.origin, version=version, new=True,
    )
    row = {k: [getattr(entry, k)] for k in MANIFEST_SCHEMA}
    delta_store.append(pl.DataFrame(row, schema=MANIFEST_SCHEMA), manifest_uri)
    return entry
