"""Bronze assets fed by delivered files, and the side tables they write."""

from datetime import UTC, datetime

import dagster as dg

from chu_platform.bronze import ledger
from chu_platform.bronze.entities import FILE_ENTITIES, FileEntity
from chu_platform.bronze.ingest import ingest, land_entity
from chu_platform.defs.bronze.metadata import preview, reasons_table
from chu_platform.defs.bronze.resources import DropResource
from chu_platform.defs.resources import ChuSettings
from chu_platform.partitions import yearly_partitions


def side_uris(settings: ChuSettings) -> dict[str, str]:
    return {
        "manifest": settings.table_uri("raw", "manifest"),
        "rejects": settings.table_uri("bronze", "rejects"),
        "loads": settings.table_uri("bronze", "_loads"),
    }


def build_file_asset(entity: FileEntity) -> dg.AssetsDefinition:
    @dg.asset(
        key=["bronze", entity.name],
        group_name="bronze",
        description=entity.description,
        partitions_def=yearly_partitions if entity.partitioned else None,
        kinds={"delta", "polars"},
        tags={"chu/source": entity.source},
    )
    def _file_asset(context: dg.AssetExecutionContext, settings: ChuSettings, drop: DropResource) -> dg.Output:
        year = int(context.partition_key) if entity.partitioned else None
        uris = side_uris(settings)
        versions, companions = land_entity(entity, drop.client(), settings.data_dir, uris["manifest"], year)
        if not versions:
            context.log.warning(
                f"No file delivered for bronze/{entity.name}" + (f" in {year}" if year else "")
                + ": the table is written empty. Deliver the file to the drop and re-run."
            )
        result = ingest(entity, versions, settings.data_dir, year, context.run_id, datetime.now(UTC))
        ledger.record(result, entity.name, year, uris["rejects"], uris["loads"])
        loads = result.loads
        metadata = {
            "rows": dg.MetadataValue.int(result.rows.height),
            "rejects": dg.MetadataValue.int(result.rejects.height),
            "lines_read": dg.MetadataValue.int(int(loads.get_column("lines_read").sum())),
            "bytes": dg.MetadataValue.int(int(loads.get_column("bytes").sum())),
            "files": dg.MetadataValue.json(
                [{**r, "notes": result.notes.get(r["file"], {})} for r in loads.drop("_ingested_at").to_dicts()]
            ),
            "reject_reasons": dg.MetadataValue.md(reasons_table(result.rejects)),
            **preview(entity.name, result.rows),
        }
        if year is not None:
            metadata["partition"] = str(year)
        if companions:
            metadata["copied_to_raw_not_loaded"] = dg.MetadataValue.json([c.raw_path for c in companions])
        return dg.Output(result.rows, metadata=metadata)

    return _file_asset


FILE_ASSETS = [build_file_asset(e) for e in FILE_ENTITIES.values()]

rejects = dg.AssetSpec(
    key=["bronze", "rejects"],
    group_name="bronze",
    description=(
        "One row per delivered line that could not be read (source, entity, file, line_number, "
        "raw_text, reason, year), written by each bronze asset for its own entity and year."
    ),
    deps=[a.key for a in FILE_ASSETS],
    kinds={"delta"},
)

manifest = dg.AssetSpec(
    key=["raw", "manifest"],
    group_name="raw",
    description=(
        "One row per version of a delivered file kept in the raw zone (slot, sha256, size, "
        "received_at, origin), appended when a bronze asset lands a new file."
    ),
    kinds={"delta"},
)
