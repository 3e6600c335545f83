"""From the drop to bronze rows: pick an entity's files, land them in raw, parse them.

Pure of Dagster: the assets call ``land_entity`` then ``ingest`` and write the results.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path, PurePosixPath

import polars as pl

from chu_platform.layers.bronze import deaths, precedence, raw, withdrawals
from chu_platform.layers.bronze.drop import SETTLE_SECONDS, Drop, quiet
from chu_platform.layers.bronze.entities import FileEntity
from chu_platform.layers.bronze.lines import ROW, read_file, split_lines
from chu_platform.layers.bronze.parsed import Parsed, SourceFormatError, excerpt
from chu_platform.schemas.years import FIRST_YEARS
from chu_platform.schemas.sources import LINEAGE_COLUMNS, Recognised, recognise

COMPANION = "companion"
REJECTS_SCHEMA = {
    "source": pl.String, "entity": pl.String, "file": pl.String, "line_number": pl.Int64,
    "raw_text": pl.String, "reason": pl.String, "year": pl.Int32,
    "_ingested_at": pl.Datetime("us", "UTC"), "_run_id": pl.String,
}
LOADS_SCHEMA = {
    "entity": pl.String, "year": pl.Int32, "file": pl.String, "fmt": pl.String, "raw_path": pl.String,
    "sha256": pl.String, "version": pl.Int32, "bytes": pl.Int64, "lines_read": pl.Int64,
    "rows": pl.Int64, "rejects": pl.Int64, "_ingested_at": pl.Datetime("us", "UTC"), "_run_id": pl.String,
}


@dataclass
class Ingested:
    rows: pl.DataFrame
    rejects: pl.DataFrame
    loads: pl.DataFrame
    unloaded: list[str] = field(default_factory=list)
    notes: dict[str, dict[str, str]] = field(default_factory=dict)


def feeds(entity: FileEntity, recognised: Recognised, year: int | None) -> bool:
    """Whether a recognised file is read by ``entity`` (for partition ``year``)."""
    if recognised.entity != entity.recognised_as:
        return False
    if not entity.partitioned or recognised.fmt == "chu_csv":
        return True
    return recognised.year == year


def _companions(files, chosen) -> list:
    """Unrecognised files sitting in the folders of the chosen e-Satis files (HAS lexicons,
    IQSS results...): kept in raw and listed, not loaded."""
    folders = {PurePosixPath(f.path).parent for f, _ in chosen}
    return [f for f in files if PurePosixPath(f.path).parent in folders and recognise(f.path) is None]


def _wait(seconds: float) -> None:
    time.sleep(seconds)


def settle(drop: Drop, files: list, manifest: pl.DataFrame,
           settle_seconds: float = SETTLE_SECONDS) -> tuple[list, list[tuple[str, str]]]:
    """The settle rule (``drop.SETTLE_SECONDS``) applied to the files a run is about to land:
    a file already in the raw zone with this size and time, or (local drop) untouched for
    ``settle_seconds``, is settled; the others are listed again after ``settle_seconds`` and
    settled if unchanged. Returns the settled files and (path, why) for each other one."""
    landed = set(manifest.select("drop_path", "size", "drop_mtime").iter_rows())
    now = time.time()
    ready, doubtful = [], []
    for f, r in files:
        known = (f.path, f.size, f.mtime) in landed
        (ready if known or quiet(drop, f, now, settle_seconds) else doubtful).append((f, r))
    if not doubtful:
        return ready, []
    _wait(settle_seconds)
    writing = []
    for f, r in doubtful:
        again = drop.stat(f.path)
        if again == f:
            ready.append((f, r))
        else:
            now_size = f"{again.size:,} bytes" if again else "gone"
            writing.append((f.path, f"{f.path} is still being written ({f.size:,} bytes, then {now_size} "
                                    f"{settle_seconds:g} s later)"))
    return ready, writing


def land_entity(entity: FileEntity, drop: Drop, data_dir: str | Path, manifest_uri: str,
                year: int | None, settle_seconds: float | None = None) -> tuple[list[raw.Landed], list[raw.Landed], list[str]]:
    """Land the drop's settled files for ``entity`` (and ``year``); return the latest raw
    version still loaded (not withdrawn: ``withdrawals``) of each file the entity reads (one
    per unit: ``precedence``), the companion files kept but not loaded, and the notices of the
    run: each delivery not loaded and why, each file loaded from the raw zone that the drop
    no longer shows.

    A file still being written is not landed: the raw zone's previous version of it, if any,
    is loaded instead (with a notice); without one, ``raw.StillWriting`` names the file, so
    that no year is written from half a file, nor written empty.
    """
    files = drop.list_files()
    chosen = [(f, r) for f in files if (r := recognise(f.path)) is not None and feeds(entity, r, year)]
    manifest = raw.read_manifest(manifest_uri)
    chosen, writing = settle(drop, chosen, manifest, SETTLE_SECONDS if settle_seconds is None else settle_seconds)
    for f, r in chosen:
        try:
            raw.land(drop, f, r, data_dir, manifest_uri, manifest)
        except raw.StillWriting as error:
            writing.append((f.path, str(error)))
    companions: list[raw.Landed] = []
    if entity.name == "satisfaction":
        for f in _companions(files, chosen):
            companion = Recognised("satisfaction", COMPANION, year, "unloaded")
            companions.append(raw.land(drop, f, companion, data_dir, manifest_uri, manifest))
    history = withdrawals.read(withdrawals.uri_beside(manifest_uri))
    manifest = raw.read_manifest(manifest_uri)
    versions = raw.latest(withdrawals.remaining(manifest, history))
    mine = [v for v in versions if feeds(entity, Recognised(v.source, v.entity, v.year, v.fmt), year)]
    notices = _writing_notices(writing, mine)
    loaded, superseded = precedence.choose(mine, {f.path: f.mtime for f in files})
    mine_paths = {r["drop_path"] for r in manifest.iter_rows(named=True)
                  if feeds(entity, Recognised(r["source"], r["entity"], r["year"], r["fmt"]), year)}
    notices += withdrawals.describe(history, mine_paths)
    notices += precedence.describe(superseded)
    in_drop = {f.path for f in files}
    notices += [f"{v.drop_path} is no longer in the drop: loaded from the raw zone ({v.raw_path}, received "
                f"{v.received_at:%Y-%m-%d %H:%M} UTC); `chu withdraw {v.drop_path}` if it was delivered by mistake"
                for v in loaded if v.drop_path not in in_drop]
    return loaded, companions, notices


def _writing_notices(writing: list[tuple[str, str]], versions: list[raw.Landed]) -> list[str]:
    """A file still being written falls back on its previous version in the raw zone; with
    none, the run fails rather than write its year from part of a file, or empty."""
    kept = {v.drop_path: v for v in versions}
    notices, missing = [], []
    for path, why in writing:
        if path in kept:
            notices.append(f"{why}: not landed; its previous version {kept[path].raw_path} (received "
                           f"{kept[path].received_at:%Y-%m-%d %H:%M} UTC) is loaded until it settles")
        else:
            missing.append(why)
    if missing:
        raise raw.StillWriting(
            "; ".join(missing) + ". Not loaded: a file is complete once its size and time stay the same "
            "(CHU_SETTLE_SECONDS). Run again once the transfer has ended (the drop sensor loads it by itself)."
        )
    return notices


def _empty(entity: FileEntity) -> pl.DataFrame:
    return pl.DataFrame(schema={ROW: pl.Int64, **{c: pl.String for c in entity.columns}})


def _parse(entity: FileEntity, version: raw.Landed, data: bytes, year: int | None) -> Parsed:
    try:
        parsed = entity.parse(data, version.drop_path, version.fmt)
    except SourceFormatError:
        raise
    except Exception as exc:
        # A reader's own error (a workbook library's "Cannot detect file format") names no file.
        raise SourceFormatError(
            f"{version.drop_path} (raw copy {version.raw_path}): cannot be read as {version.fmt} for "
            f"bronze/{entity.name}: {type(exc).__name__}: {excerpt(str(exc))}. Check that the file is "
            "complete and in its announced format, and re-deliver it."
        ) from exc
    if entity.name == "deaths":
        encoding = "utf-8|cp1252" if version.fmt == "chu_csv" else "utf-8"
        parsed = deaths.reject_misdated(parsed, lambda: split_lines(data, encoding), version.year, date.today(),
                                        FIRST_YEARS["deaths"])
        if version.fmt == "chu_csv":
            parsed = deaths.split_by_death_year(parsed, split_lines(data, encoding), year)
        parsed.rows = parsed.rows.with_columns(pl.lit(version.fmt).alias("_format"))
    return parsed


def ingest(entity: FileEntity, versions: list[raw.Landed], data_dir: str | Path, year: int | None,
           run_id: str, ingested_at: datetime) -> Ingested:
    """Parse the raw versions into one bronze frame, its rejects and one load row per file."""
    root = raw.raw_root(data_dir)
    frames, rejects, loads, notes = [], [], [], {}
    for version in versions:
        data = read_file(root / version.raw_path)
        parsed = _parse(entity, version, data, year)
        lineage = [pl.lit(version.drop_path).alias("_source_file"), pl.lit(ingested_at).alias("_ingested_at"),
                   pl.lit(run_id).alias("_run_id")]
        frames.append(parsed.rows.with_columns(lineage))
        rejects.append(parsed.rejects.with_columns(
            pl.lit(entity.source).alias("source"), pl.lit(entity.name).alias("entity"),
            pl.lit(version.drop_path).alias("file"), pl.lit(year, dtype=pl.Int32).alias("year"),
            pl.lit(ingested_at).alias("_ingested_at"), pl.lit(run_id).alias("_run_id"),
        ))
        loads.append({
            "entity": entity.name, "year": year, "file": version.drop_path, "fmt": version.fmt,
            "raw_path": version.raw_path, "sha256": version.sha256, "version": version.version,
            "bytes": len(data), "lines_read": parsed.lines_read, "rows": parsed.rows.height,
            "rejects": parsed.rejects.height, "_ingested_at": ingested_at, "_run_id": run_id,
        })
        notes[version.drop_path] = parsed.notes
    lineage_schema = {"_source_file": pl.String, "_ingested_at": pl.Datetime("us", "UTC"), "_run_id": pl.String}
    columns = [*entity.columns, *LINEAGE_COLUMNS]
    base = _empty(entity).with_columns([pl.lit(None, dtype=t).alias(n) for n, t in lineage_schema.items()])
    rows = pl.concat([base, *frames], how="diagonal_relaxed").select(columns)
    rows = rows.with_columns(pl.col("_ingested_at").cast(pl.Datetime("us", "UTC")))
    if entity.partitioned:
        rows = rows.with_columns(pl.lit(year, dtype=pl.Int32).alias("year"))
    all_rejects = pl.concat([pl.DataFrame(schema=REJECTS_SCHEMA), *[r.select(list(REJECTS_SCHEMA)) for r in rejects]],
                            how="vertical_relaxed").cast(REJECTS_SCHEMA)
    return Ingested(rows, all_rejects, pl.DataFrame(loads, schema=LOADS_SCHEMA), notes=notes)
