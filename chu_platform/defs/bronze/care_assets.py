"""Bronze assets extracted from the care-records database."""

from datetime import UTC, datetime

import dagster as dg
import polars as pl

from chu_platform.layers.bronze import care, ledger
from chu_platform.layers.bronze.ingest import LOADS_SCHEMA, REJECTS_SCHEMA, Ingested
from chu_platform.defs.bronze.assets import side_uris
from chu_platform.defs.bronze.metadata import preview
from chu_platform.defs.bronze.retries import SOURCE_RETRY
from chu_platform.defs.metadata import each_year, row_metadata
from chu_platform.defs.resources import ChuSettings
from chu_platform.lib.postgres import care_dsn
from chu_platform.defs import partitions as yearly
from chu_platform.defs.partitions import care_years
from chu_platform.defs.tags import SOURCE_TAG


def build_care_asset(entity: care.CareEntity) -> dg.AssetsDefinition:
    grain = "of the partition's year" if entity.partitioned else "whole"
    @yearly.asset(
        key=["bronze", entity.name],
        group_name="bronze",
        description=f'One row per row of the care database table "{entity.table}" ({grain}), every value as text.',
        partitions_def=care_years if entity.partitioned else None,
        kinds={"delta", "postgres"},
        tags={SOURCE_TAG: "care"},
        retry_policy=SOURCE_RETRY,
    )
    def _care_asset(context: dg.AssetExecutionContext, settings: ChuSettings) -> dg.Output:
        if not entity.partitioned:
            frame, metadata = _extract(context, entity, settings, None)
            return dg.Output(frame, metadata=metadata)
        return dg.Output(each_year(context, lambda year: _extract(context, entity, settings, year)))

    return _care_asset


def _extract(context: dg.AssetExecutionContext, entity: care.CareEntity, settings: ChuSettings,
             year: int | None) -> tuple[pl.DataFrame, dict]:
    """The rows of ``entity`` (of ``year``) read from the care database, the ledger's share written."""
    dsn = care_dsn(settings.source, settings.data_path)
    now = datetime.now(UTC)
    expected = care.source_count(dsn, entity, year)
    frame = care.extract(dsn, entity, year, context.run_id, now)
    if frame.height != expected:
        context.log.warning(
            f'public."{entity.table}" changed during extraction: {expected} rows counted, '
            f"{frame.height} read; the reconciliation check will flag it until the next run."
        )
    loads = pl.DataFrame(
        [{"entity": entity.name, "year": year, "file": entity.source_file, "fmt": "postgresql",
          "raw_path": None, "sha256": None, "version": None, "bytes": int(frame.estimated_size()),
          "lines_read": expected, "rows": frame.height, "rejects": 0, "_ingested_at": now,
          "_run_id": context.run_id}],
        schema=LOADS_SCHEMA,
    )
    uris = side_uris(settings)
    ledger.record(Ingested(frame, pl.DataFrame(schema=REJECTS_SCHEMA), loads), entity.name, year,
                  uris["rejects"], uris["loads"])
    metadata = {
        **row_metadata(frame),
        "source_rows": dg.MetadataValue.int(expected),
        "rejects": dg.MetadataValue.int(0),
        "bytes": dg.MetadataValue.int(int(frame.estimated_size())),
        "query": dg.MetadataValue.md(f"```sql\n{care.select_sql(entity, year)}\n```"),
        **preview(entity.name, frame),
    }
    return frame, metadata


CARE_ASSETS = [build_care_asset(e) for e in care.CARE_ENTITIES.values()]
