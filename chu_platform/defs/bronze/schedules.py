"""The daily extraction of the care database."""

from datetime import UTC, datetime

import dagster as dg

from chu_platform.defs.bronze.care_assets import CARE_ASSETS

_PARTITIONED = [a.key for a in CARE_ASSETS if a.partitions_def is not None]
_WHOLE = [a.key for a in CARE_ASSETS if a.partitions_def is None]


@dg.schedule(name="care_db_daily", cron_schedule="30 2 * * *", target=dg.AssetSelection.assets(*_PARTITIONED, *_WHOLE),
             execution_timezone="Europe/Paris")
def care_db_daily(context: dg.ScheduleEvaluationContext) -> list[dg.RunRequest]:
    """Every night: the care reference tables whole, and the current year of consultations."""
    when = context.scheduled_execution_time or datetime.now(UTC)
    stamp = when.strftime("%Y-%m-%d")
    return [
        dg.RunRequest(run_key=f"care-whole-{stamp}", asset_selection=_WHOLE),
        dg.RunRequest(run_key=f"care-{when.year}-{stamp}", asset_selection=_PARTITIONED,
                      partition_key=str(when.year)),
    ]
