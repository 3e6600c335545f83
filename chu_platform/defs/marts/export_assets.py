"""The published marts as files for the offices that work in Excel, rebuilt when the marts change."""

from datetime import UTC, datetime

import dagster as dg

from chu_platform.lib import permissions
from chu_platform.defs.marts.automation import FOLLOW_ANY_YEAR
from chu_platform.defs.resources import ChuSettings
from chu_platform.layers.marts import export

EXPORT_KEY = dg.AssetKey(["marts", "export"])


@dg.asset(
    key=EXPORT_KEY,
    group_name="marts",
    deps=[dg.AssetKey(["marts", name]) for name in export.EXPORTED],
    kinds={"excel", "csv", "parquet"},
    automation_condition=FOLLOW_ANY_YEAR,
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
