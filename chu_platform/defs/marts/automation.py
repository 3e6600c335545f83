"""Marts follow gold on their own: the automation sensor evaluates their eager conditions."""

import dagster as dg

from chu_platform.marts import aggregates

marts_automation = dg.AutomationConditionSensorDefinition(
    "marts_automation",
    # The gold pre-aggregates follow their facts too: the marts are read from them.
    target=dg.AssetSelection.groups("marts") | dg.AssetSelection.assets(
        *(dg.AssetKey(["gold", a.table]) for a in aggregates.AGGREGATES.values())
    ),
    default_status=dg.DefaultSensorStatus.RUNNING,
    minimum_interval_seconds=30,
    description="Refreshes the gold pre-aggregates, each mart and the DuckDB warehouse after the gold tables they read change.",
)
