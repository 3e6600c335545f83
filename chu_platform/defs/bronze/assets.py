"""Bronze assets fed by delivered files.

Each also writes its share of three plain Delta tables that are not assets of their own
(no asset computes them; every bronze asset replaces its own rows): ``raw/manifest`` (the
files kept in the raw zone), ``bronze/rejects`` (lines that could not be read) and
``bronze/_loads`` (lines read per file), see docs/storage.md.
"""

from datetime import UTC, datetime

import dagster as dg

from chu_platform.layers.bronze import ledger
from chu_platform.layers.bronze.drop import DropRefused
from chu_platform.layers.bronze.entities import FILE_ENTITIES, FileEntity
from chu_platform.layers.bronze.parsed import SourceFormatError
from chu_platform.layers.bronze.ingest import ingest, land_entity
from chu_platform.defs.bronze.metadata import preview, reasons_table
from chu_platform.defs.bronze.resources import DropResource
from chu_platform.defs.bronze.retries import SOURCE_RETRY
from chu_platform.defs.metadata import each_year, row_metadata
from chu_platform.defs.resources import ChuSettings
from chu_platform.defs import partitions as yearly
from chu_platform.defs.partitions import BY_SOURCE
from chu_platform.defs.tags import SOURCE_TAG


def side_uris(settings: ChuSettings) -> dict[str, str]:
    return {
        "manifest": settings.table_uri("raw", "manifest"),
        "rejects": settings.table_uri("bronze", "rejects"),
        "loads": settings.table_uri("bronze", "_loads"),
    }


def build_file_asset(entity: FileEntity) -> dg.AssetsDefinition:
    @yearly.asset(
        key=["bronze", entity.name],
        group_name="bronze",
        description=entity.description,
        partitions_def=BY_SOURCE[entity.source] if entity.partitioned else None,
        kinds={"delta", "polars"},
        tags={SOURCE_TAG: entity.source},
        retry_policy=SOURCE_RETRY,
    )
    def _file_asset(context: dg.AssetExecutionContext, settings: ChuSettings, drop: DropResource) -> dg.Output:
        if not entity.partitioned:
            rows, metadata = _load(context, entity, settings, drop, None)
            return dg.Output(rows, metadata=metadata)
        return dg.Output(each_year(context, lambda year: _load(context, entity, settings, drop, year)))

    return _file_asset


def _load(context: dg.AssetExecutionContext, entity: FileEntity, settings: ChuSettings, drop: DropResource,
          year: int | None) -> tuple:
    """The rows of ``entity``'s files (of ``year``), with the ledger's share written, and their metadata."""
    uris = side_uris(settings)
    try:
        versions, companions, superseded = land_entity(entity, drop.client(), settings.data_path, uris["manifest"], year,
                                                          settings.settle)
    except DropRefused as error:
        raise dg.Failure(str(error), allow_retries=False) from error
    for notice in superseded:
        context.log.warning(notice)
    if not versions:
        context.log.warning(
            f"No file delivered for bronze/{entity.name}" + (f" in {year}" if year else "")
            + ": the table is written empty. Deliver the file to the drop and re-run."
        )
    try:
        result = ingest(entity, versions, settings.data_path, year, context.run_id, datetime.now(UTC))
    except SourceFormatError as error:
        # A file that cannot be read will not read better in a second: not retried.
        raise dg.Failure(str(error), allow_retries=False) from error
    ledger.record(result, entity.name, year, uris["rejects"], uris["loads"])
    loads = result.loads
    metadata = {
        **row_metadata(result.rows),
        "rejects": dg.MetadataValue.int(result.rejects.height),
        "lines_read": dg.MetadataValue.int(int(loads.get_column("lines_read").sum())),
        "bytes": dg.MetadataValue.int(int(loads.get_column("bytes").sum())),
        "files": dg.MetadataValue.json(
            [{**r, "notes": result.notes.get(r["file"], {})} for r in loads.drop("_ingested_at").to_dicts()]
        ),
        "reject_reasons": dg.MetadataValue.md(reasons_table(result.rejects)),
        **preview(entity.name, result.rows),
    }
    if superseded:
        metadata["superseded_not_loaded"] = dg.MetadataValue.json(superseded)
    if companions:
        metadata["copied_to_raw_not_loaded"] = dg.MetadataValue.json([c.raw_path for c in companions])
    return result.rows, metadata


FILE_ASSETS = [build_file_asset(e) for e in FILE_ENTITIES.values()]
