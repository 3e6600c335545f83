"""One check per bronze asset: for every file and year, lines read = bronze rows + rejects
(the run's year for a partition run)."""

import dagster as dg
import polars as pl

from chu_platform.bronze import ledger
from chu_platform.defs.bronze.assets import FILE_ASSETS, side_uris
from chu_platform.defs.bronze.care_assets import CARE_ASSETS
from chu_platform.defs.resources import ChuSettings
from chu_platform.defs.silver.metadata import partition_year
from chu_platform.lib import delta_store


def _lineage(uri: str, year: int | None) -> pl.DataFrame:
    """Only the columns the reconciliation needs, from the table's current files (of ``year``
    only, for a partition run: a year's check reads that year, not the whole register)."""
    files = delta_store.current_files(uri, years=None if year is None else [year])
    if not files:
        return pl.DataFrame(schema={"_source_file": pl.String})
    frame = pl.scan_parquet(files, hive_partitioning=True)
    columns = [c for c in ("_source_file", "year") if c in frame.collect_schema().names()]
    return frame.select(columns).collect()


def build_reconciliation_check(asset: dg.AssetsDefinition) -> dg.AssetChecksDefinition:
    key = asset.key
    entity = key.path[-1]

    @dg.asset_check(asset=key, name="lines_reconcile", blocking=True,
                    description="Per file and year: lines read = bronze rows + rejects.")
    def _check(context: dg.AssetCheckExecutionContext, settings: ChuSettings) -> dg.AssetCheckResult:
        year = partition_year(context) if asset.partitions_def is not None else None
        uris = side_uris(settings)
        uri = settings.table_uri(*key.path)
        if not delta_store.exists(uri):
            return dg.AssetCheckResult(passed=False, metadata={"error": f"no table at {uri}: materialise it"})
        years = None if year is None else [year]
        table = ledger.reconcile(entity, _lineage(uri, year), uris["rejects"], uris["loads"], years)
        failing = table.filter(~pl.col("ok"))
        return dg.AssetCheckResult(
            passed=failing.height == 0,
            metadata={
                "files_checked": table.height,
                "failing": failing.height,
                "lines_read": int(table.get_column("lines_read").sum()),
                "rows": int(table.get_column("bronze_rows").sum()),
                "rejects": int(table.get_column("reject_rows").sum()),
                "sample": dg.MetadataValue.json(failing.head(10).to_dicts()),
            },
        )

    return _check


BRONZE_CHECKS = [build_reconciliation_check(a) for a in (*FILE_ASSETS, *CARE_ASSETS)]
