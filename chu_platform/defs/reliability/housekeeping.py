"""The weekly housekeeping of the lake: compaction and vacuum of every Delta table."""

from pathlib import Path

import dagster as dg

from chu_platform.layers.bronze.raw import raw_root
from chu_platform.defs.resources import ChuSettings
from chu_platform.lib import housekeeping


class HousekeepingConfig(dg.Config):
    retention_days: float = 7.0
    """Days of time travel kept: versions younger than this stay readable."""


@dg.op(tags={"dagster/concurrency_key": "lake_housekeeping"})
def compact_and_vacuum(context: dg.OpExecutionContext, config: HousekeepingConfig,
                       settings: ChuSettings) -> dg.Output[None]:
    """Each table of the lake compacted, then vacuumed beyond the retention; stale partial
    downloads removed from raw/.incoming."""
    if "://" in settings.lake and not settings.lake.startswith("file://"):
        raise dg.Failure(
            f"CHU_LAKE_URI={settings.lake_location} is object storage: vacuum it with the store's own lifecycle "
            "rules or deltalake's vacuum from a machine holding its credentials (docs/reliability.md)."
        )
    lake = Path(settings.lake.removeprefix("file://"))
    before = housekeeping.usage(lake)
    failed, rows = [], []
    for table in housekeeping.tables(lake):
        name = table.relative_to(lake).as_posix()
        try:
            tidied = housekeeping.tidy(str(table), retention_hours=round(config.retention_days * 24))
        except Exception as error:  # noqa: BLE001 - one table's conflict must not spare the others
            failed.append(f"{name}: {error}")
            continue
        rows.append(f"| {name} | {tidied.files_compacted} | {tidied.files_written} | {tidied.files_vacuumed} |")
    partials = housekeeping.stale_partials(raw_root(settings.data_path) / ".incoming")
    for partial in partials:
        partial.unlink(missing_ok=True)
    after = housekeeping.usage(lake)
    context.log.info(f"lake {before.files} files {before.bytes:,} B -> {after.files} files {after.bytes:,} B")
    if failed:
        raise dg.Failure(f"{len(failed)} table(s) not tidied (retried next week): " + "; ".join(failed))
    table_md = "\n".join(["| table | files compacted | files written | files vacuumed |", "|---|---|---|---|", *rows])
    return dg.Output(None, metadata={
        "files_before": before.files, "files_after": after.files,
        "bytes_before": before.bytes, "bytes_after": after.bytes,
        "retention_days": config.retention_days, "stale_partials_removed": len(partials),
        "tables": dg.MetadataValue.md(table_md),
    })


@dg.job(name="lake_housekeeping", description="Compacts and vacuums every Delta table of the lake.")
def lake_housekeeping() -> None:
    compact_and_vacuum()


lake_housekeeping_weekly = dg.ScheduleDefinition(
    name="lake_housekeeping_weekly", job=lake_housekeeping, cron_schedule="0 4 * * 0",
    execution_timezone="Europe/Paris", default_status=dg.DefaultScheduleStatus.RUNNING,
)
