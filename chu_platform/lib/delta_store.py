"""The one place that reads and writes Delta tables.

A table lives at ``<base_uri>/<layer>/<table>``, a local folder or an object-store URI
(``s3://...``, see :mod:`chu_platform.lib.object_store`). Year-partitioned tables carry an
integer ``year`` column and are written one year (or one range of years) at a time with a
predicate overwrite, so a run replaces only what it computed. Every write goes through
deltalake's ``write_deltalake``: its writer computes the file statistics, checks the schema
and the protocol, retries a commit that lost a race against a writer of other years
(``CommitProperties``) and checkpoints the log every ``delta.checkpointInterval`` commits.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
import re
import time
from typing import Any

import polars as pl
from deltalake import CommitProperties, DeltaTable, WriterProperties, write_deltalake
from deltalake.exceptions import CommitFailedError, DeltaError, TableNotFoundError

YEAR = "year"
# Writers of different years of one table commit at the same moment during `chu run`;
# deltalake re-reads the log and retries a commit whose rival touched other partitions.
_COMMIT_RETRIES = 15
# Commits that fail on a rival's metadata change (two writers creating the same table) are
# written again over the table as it then is, this many times at most.
_METADATA_RACE_ATTEMPTS = 5
# A checkpoint every this many commits: readers then replay at most this many JSON commits
# (a table written one year at a time otherwise grows a log that every open re-reads).
CHECKPOINT_INTERVAL = 10
TABLE_CONFIGURATION = {"delta.checkpointInterval": str(CHECKPOINT_INTERVAL)}


def writer_properties() -> WriterProperties:
    """Parquet pages compressed with LZ4 (the standard LZ4_RAW codec, read by DuckDB, Polars,
    pyarrow and Spark) rather than deltalake's default Snappy: about 40 % less CPU per write for
    the same size (a year of the deaths register's bronze rows, 613,000 of them: 0.71 CPU-s
    instead of 1.21, 18 MB either way; docs/benchmarks.md, "Session 17"). An asset's
    ``delta_write_options`` may pass its own ``writer_properties``."""
    return WriterProperties(compression="LZ4_RAW")


class DamagedTable(RuntimeError):
    """A Delta table that is there but cannot be read or written (a commit of its log lost, a
    data file cut short): the message names it and the command that rebuilds it from raw."""

    def __init__(self, uri: str, cause: BaseException | str):
        self.uri = uri
        detail = str(cause).strip().splitlines()[0] if str(cause).strip() else type(cause).__name__
        super().__init__(
            f"damaged Delta table {uri} ({detail[:300]}): rebuild it from the raw zone with "
            f"`chu repair {repair_name(uri)}` (the damaged copy is kept aside)"
        )


_BAD_FILE = re.compile(r"No magic bytes|too small to be a Parquet file|not a (?:valid )?parquet file|corrupt", re.I)
_QUOTED_PATH = re.compile(r"'([^']+)'|\"([^\"]+)\"")


def damage_in(error: BaseException, base_uri: str) -> DamagedTable | None:
    """The damaged table behind a reader's error about one of the lake's data files (DuckDB's
    ``No magic bytes found at end of file '<path>'``), or ``None`` for any other error."""
    if isinstance(error, DamagedTable):
        return error
    text = str(error)
    if not _BAD_FILE.search(text):
        return None
    base = table_uri(base_uri, []).rstrip("/")
    for match in _QUOTED_PATH.finditer(text):
        path = match.group(1) or match.group(2)
        if path.startswith(base + "/"):
            parts = path[len(base) + 1:].split("/")
            if len(parts) > 2:
                return DamagedTable(table_uri(base_uri, parts[:2]), f"{parts[-1]}: {text.splitlines()[0]}")
    return None


def repair_name(uri: str) -> str:
    """``layer/table`` of a table URI, as ``chu repair`` takes it."""
    return "/".join(uri.rstrip("/").split("/")[-2:])


def open_table(uri: str, storage_options: dict[str, str] | None = None) -> DeltaTable:
    """The table; ``FileNotFoundError`` when there is none, ``DamagedTable`` when its log cannot be read."""
    try:
        return DeltaTable(uri, storage_options=storage_options)
    except TableNotFoundError as exc:
        if _has_log(uri):
            raise DamagedTable(uri, exc) from exc
        raise FileNotFoundError(
            f"No Delta table at {uri}: materialise the asset that writes it first"
        ) from exc
    except (DeltaError, OSError) as exc:
        raise DamagedTable(uri, exc) from exc


def _opens(uri: str, storage_options: dict[str, str] | None) -> bool:
    try:
        open_table(uri, storage_options)
    except FileNotFoundError:
        return True
    except DamagedTable:
        return False
    return True


@dataclass(frozen=True)
class WriteResult:
    uri: str
    rows: int
    version: int


def lake_root(data_dir: str, lake_uri: str = "") -> str:
    """The lake's base URI: ``lake_uri`` when set (possibly object storage), else ``<data_dir>/lake``."""
    return lake_uri or str(Path(data_dir).resolve() / "lake")


def table_uri(base_uri: str, key: Sequence[str]) -> str:
    """Location of the table for an asset key such as ``["gold", "fact_deces"]``."""
    base = base_uri.rstrip("/")
    if "://" not in base:
        base = str(Path(base).resolve())
    return "/".join([base, *key])


def exists(uri: str, storage_options: dict[str, str] | None = None) -> bool:
    """Whether a table is there, readable or not (a log that lost its commits is a damaged
    table, not an absent one: writing a new table over it would drop its other years)."""
    return DeltaTable.is_deltatable(uri, storage_options=storage_options) or _has_log(uri)


def _has_log(uri: str) -> bool:
    """A local table folder whose ``_delta_log`` holds something (an empty one is a first write
    that never committed)."""
    log = Path(uri) / "_delta_log"
    return "://" not in uri and log.is_dir() and any(log.iterdir())


def _year_predicate(years: Sequence[int]) -> str:
    years = sorted({int(y) for y in years})
    if years == list(range(years[0], years[-1] + 1)):
        if len(years) == 1:
            return f"{YEAR} = {years[0]}"
        return f"{YEAR} >= {years[0]} AND {YEAR} <= {years[-1]}"
    return f"{YEAR} IN ({', '.join(str(y) for y in years)})"


def _write(
    df: pl.DataFrame,
    uri: str,
    storage_options: dict[str, str] | None,
    *,
    mode: str,
    predicate: str | None = None,
    partition_by: Sequence[str] = (),
    schema_mode: str | None = None,
    write_options: Mapping[str, Any] | None = None,
) -> WriteResult:
    """One ``write_deltalake`` call; the table is created (with its configuration) when missing.

    Two writers may both find no table and both try to create it: the loser's commit of
    version 0 fails, and it then writes again into the table the winner created.
    """
    data = df.to_arrow()
    options = {
        "storage_options": storage_options,
        "commit_properties": CommitProperties(max_commit_retries=_COMMIT_RETRIES),
        "schema_mode": schema_mode,
        "writer_properties": writer_properties(),
        **(write_options or {}),
    }
    # partition_by only where the write may redefine an existing table (a whole-table overwrite).
    existing = {"partition_by": list(partition_by) or None} if schema_mode == "overwrite" else {}
    for attempt in range(_METADATA_RACE_ATTEMPTS):
        existed = exists(uri, storage_options)
        try:
            if existed:
                write_deltalake(uri, data, mode=mode, predicate=predicate, **existing, **options)
            else:
                write_deltalake(
                    uri, data, mode="append" if mode == "append" or predicate else mode,
                    partition_by=list(partition_by) or None, configuration=TABLE_CONFIGURATION, **options,
                )
            break
        except Exception as exc:
            # A rival created the table (or changed its metadata) between our read and our
            # commit: the library does not retry across a metadata change. Nothing of ours
            # was committed, so writing again over the table as it now is stays exact.
            raced = isinstance(exc, CommitFailedError) or not existed
            if existed and not raced and not _opens(uri, storage_options):
                raise DamagedTable(uri, exc) from exc
            if not raced or attempt + 1 == _METADATA_RACE_ATTEMPTS or not exists(uri, storage_options):
                raise
            time.sleep(0.05 * (attempt + 1))
    return WriteResult(uri, df.height, DeltaTable(uri, storage_options=storage_options).version())


def write_years(
    df: pl.DataFrame,
    uri: str,
    years: Sequence[int],
    storage_options: dict[str, str] | None = None,
    write_options: Mapping[str, Any] | None = None,
) -> WriteResult:
    """Replace exactly the given years of a year-partitioned table with ``df``.

    Every row of ``df`` must belong to one of ``years``; the other years are untouched.
    ``write_options``: further keyword arguments of ``write_deltalake``.
    """
    if YEAR not in df.columns:
        raise ValueError(f"{uri}: a year-partitioned table needs an integer '{YEAR}' column")
    df = df.with_columns(pl.col(YEAR).cast(pl.Int32))
    stray = set(df.get_column(YEAR).unique().to_list()) - {int(y) for y in years}
    if stray:
        raise ValueError(
            f"{uri}: rows for years {sorted(stray)} in a write of {sorted(years)}; "
            "a partition write may only hold its own years"
        )
    return _write(
        df, uri, storage_options, mode="overwrite", predicate=_year_predicate(years), partition_by=[YEAR],
        write_options=write_options,
    )


def write_years_or_restart(
    df: pl.DataFrame,
    uri: str,
    years: Sequence[int],
    storage_options: dict[str, str] | None = None,
    write_options: Mapping[str, Any] | None = None,
) -> WriteResult:
    """``write_years``, except that a frame whose columns no longer match the table's (the code
    changed what the table holds) replaces the whole table: its other years are stale and are
    rewritten by their own partitions. For derived tables only (the gold pre-aggregates)."""
    from deltalake.exceptions import SchemaMismatchError

    try:
        return write_years(df, uri, years, storage_options, write_options)
    except SchemaMismatchError:
        return write_table(df.with_columns(pl.col(YEAR).cast(pl.Int32)), uri, storage_options, partition_by=[YEAR])


def replace_where(
    df: pl.DataFrame,
    uri: str,
    predicate: str,
    partition_by: Sequence[str] = (),
    storage_options: dict[str, str] | None = None,
) -> WriteResult:
    """Replace the rows matching ``predicate`` (SQL over the table's columns) with ``df``.

    For side tables written by several assets, such as ``bronze/rejects`` where each
    (source, file, partition) replaces only its own rows.
    """
    return _write(df, uri, storage_options, mode="overwrite", predicate=predicate, partition_by=partition_by)


def write_table(
    df: pl.DataFrame,
    uri: str,
    storage_options: dict[str, str] | None = None,
    write_options: Mapping[str, Any] | None = None,
    partition_by: Sequence[str] = (),
) -> WriteResult:
    """Replace a whole table, schema (and partitioning: none unless ``partition_by``) included."""
    return _write(df, uri, storage_options, mode="overwrite", schema_mode="overwrite", partition_by=partition_by,
                  write_options=write_options)


def append(df: pl.DataFrame, uri: str, storage_options: dict[str, str] | None = None) -> WriteResult:
    """Add rows to a history table (logs, benchmarks); never rewrites earlier rows."""
    return _write(df, uri, storage_options, mode="append", schema_mode="merge")


def read(
    uri: str,
    years: Sequence[int] | None = None,
    storage_options: dict[str, str] | None = None,
    where: pl.Expr | None = None,
    columns: Sequence[str] | None = None,
) -> pl.DataFrame:
    """The current snapshot of a table, optionally only some years, the rows ``where`` holds
    and some ``columns`` (both pushed down to the Parquet scan: files and row groups whose
    statistics rule them out are not read)."""
    lf = scan(uri, years, storage_options)
    if where is not None:
        lf = lf.filter(where)
    if columns is not None:
        lf = lf.select(columns)
    try:
        return lf.collect()
    except (pl.exceptions.ComputeError, pl.exceptions.PanicException, DeltaError, OSError) as exc:
        # A plain read fails only on what is stored: a data file cut short (a panic of the
        # Parquet reader, not an Exception) or gone.
        raise DamagedTable(uri, exc) from exc


def scan(
    uri: str,
    years: Sequence[int] | None = None,
    storage_options: dict[str, str] | None = None,
) -> pl.LazyFrame:
    """``read`` left lazy: a reader selecting columns or filtering rows reads only those."""
    lf = pl.scan_delta(open_table(uri, storage_options))
    if years is not None:
        lf = lf.filter(pl.col(YEAR).is_in([int(y) for y in years]))
    return lf


def version(uri: str, storage_options: dict[str, str] | None = None) -> int:
    """The table's current version: what a cache of something derived from it is keyed on."""
    return open_table(uri, storage_options).version()


def current_files(
    uri: str, storage_options: dict[str, str] | None = None, years: Sequence[int] | None = None
) -> list[str]:
    """The data files of the current version (never a folder glob: replaced files linger);
    with ``years``, only those year partitions' files (from the log's partition values)."""
    filters = None if years is None else [(YEAR, "in", [str(int(y)) for y in years])]
    return open_table(uri, storage_options).file_uris(partition_filters=filters)


def compact(
    uri: str,
    z_order: Sequence[str] = (),
    years: Sequence[int] | None = None,
    storage_options: dict[str, str] | None = None,
) -> dict:
    """Compact small files, Z-ordered on ``z_order`` when given; returns deltalake's metrics.

    With ``years``, only those year partitions are rewritten, so compacting after a
    partition write costs that partition, not the whole table.
    """
    dt = DeltaTable(uri, storage_options=storage_options)
    filters = None
    if years is not None:
        filters = [(YEAR, "in", [str(int(y)) for y in years])]
    if z_order:
        return dt.optimize.z_order(list(z_order), partition_filters=filters, writer_properties=writer_properties())
    return dt.optimize.compact(partition_filters=filters, writer_properties=writer_properties())
