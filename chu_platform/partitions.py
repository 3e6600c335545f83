"""The one partitioning of the platform: calendar years, from 1970 (the deaths register) on."""

import dagster as dg

FIRST_YEAR = 1970

yearly_partitions = dg.TimeWindowPartitionsDefinition(
    cron_schedule="0 0 1 1 *",
    start=str(FIRST_YEAR),
    fmt="%Y",
    end_offset=1,
)
