"""The published marts as files for the offices that work in Excel, rebuilt when the marts change."""

from datetime import UTC, datetime

import dagster as dg

from chu_platform.defs import partitions
from chu_platform.lib import permissions
from chu_platform.defs.marts.automation import FOLLOW_ANY_YEAR
from chu_platform.defs.resources import ChuSettings
from chu_platform.layers.marts import export

EXPORT_KEY = dg.AssetKey(["marts", "export"])


@partitions.asset(
    key=EXPORT_KEY,
    group_name="marts",
    deps=[dg.AssetKey(["marts", name]) for name in export.EXPORTED],
    kinds={"excel", "csv", "parquet"},
    automation_condition=FOLLOW_ANY_YEAR,
    # A run of its own, beside the dashboard's. A backfill tick puts the unpartitioned assets it
    # finds ready in one run per backfill policy (Dagster's asset backfill groups run requests
    # by partitioning, years and policy), and an asset joins its parent's run only if both have
    # the same policy. With none, the dashboard and the export, the two longest steps of a build
    # (20 s and 14 s at scale 1), ran one after the other in one process while the other core
    # idled; with this one (an unpartitioned asset is one run whatever its policy) the export
    # starts at the tick after the marts it reads are written, beside the dashboard
    # (docs/benchmarks.md "Session 11"). Pinned by test_dagster_private.py.
    backfill_policy=dg.BackfillPolicy.single_run(),
)
def export_files(context: dg.AssetExecutionContext, settings: ChuSettings) -> dg.MaterializeResult:
    """Files in <data_dir>/export/, one row per mart row: the published marts (the eight analyses, the activity indicators, the forecast and its backtest) as one workbook (a sheet per mart) and a CSV and a Parquet file per mart."""
    permissions.secure_data_dir(settings.data_path)
    written = export.export(settings.lake, settings.export_path, datetime.now(UTC))
    if written.missing:
        context.log.warning(f"No mart yet for: {', '.join(written.missing)}")
    return dg.MaterializeResult(metadata={
        "path": dg.MetadataValue.path(str(written.folder)),
        "files": dg.MetadataValue.int(len(written.files)),
        "workbook": dg.MetadataValue.path(str(written.folder / export.WORKBOOK)),
        "rows": dg.MetadataValue.int(sum(written.rows.values())),
        "masked_rows": dg.MetadataValue.int(sum(written.masked.values())),
        "readable_by": permissions.readers(written.folder / export.WORKBOOK),
    })
