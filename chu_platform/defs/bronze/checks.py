"""One check per bronze asset: for every file and year, lines read = bronze rows + rejects
(the run's year for a partition run)."""

import dagster as dg
import polars as pl

from chu_platform.bronze import ledger
from chu_platform.defs.bronze.assets import FILE_ASSETS, side_uris
from chu_platform.defs.bronze.care_assets import CARE_ASSETS
from chu_platform.defs.table_checks import Check, CheckData, Outcome, table_checks
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


def _lines_reconcile(data: CheckData) -> Outcome:
    uris = side_uris(data.settings)
    uri = data.settings.table_uri(data.layer, data.table_name)
    if not delta_store.exists(uri):
        return False, {"error": f"no table at {uri}: materialise it"}
    years = None if data.year is None else [data.year]
    table = ledger.reconcile(data.table_name, _lineage(uri, data.year), uris["rejects"], uris["loads"], years)
    failing = table.filter(~pl.col("ok"))
    return failing.height == 0, {
        "files_checked": table.height,
        "failing": failing.height,
        "lines_read": int(table.get_column("lines_read").sum()),
        "rows": int(table.get_column("bronze_rows").sum()),
        "rejects": int(table.get_column("reject_rows").sum()),
        "sample": dg.MetadataValue.json(failing.head(10).to_dicts()),
    }


LINES_RECONCILE = Check("lines_reconcile", "Per file and year: lines read = bronze rows + rejects.", _lines_reconcile,
                        blocking=True)

BRONZE_CHECKS = [table_checks(*a.key.path, [LINES_RECONCILE]) for a in (*FILE_ASSETS, *CARE_ASSETS)]
