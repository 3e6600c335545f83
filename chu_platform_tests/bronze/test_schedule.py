"""The nightly care-DB schedule."""

from datetime import datetime
from zoneinfo import ZoneInfo

import dagster as dg

from chu_platform.layers.bronze.care import CARE_ENTITIES
from chu_platform.defs.bronze.schedules import care_db_daily


def test_reference_tables_whole_and_the_current_year_of_consultations():
    when = datetime(2024, 3, 5, 2, 30, tzinfo=ZoneInfo("Europe/Paris"))
    requests = care_db_daily(dg.build_schedule_context(scheduled_execution_time=when))
    whole, partitioned = requests
    assert whole.partition_key is None
    assert sorted(k.path[-1] for k in whole.asset_selection) == sorted(
        e.name for e in CARE_ENTITIES.values() if not e.partitioned
    )
    assert partitioned.partition_key == "2024"
    assert partitioned.asset_selection == [dg.AssetKey(["bronze", "care_consultations"])]
    assert {whole.run_key, partitioned.run_key} == {"care-whole-2024-03-05", "care-2024-2024-03-05"}
