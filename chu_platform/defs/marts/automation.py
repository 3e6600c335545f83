"""Marts follow gold on their own: the automation sensor evaluates their eager conditions."""

import dagster as dg

marts_automation = dg.AutomationConditionSensorDefinition(
    "marts_automation",
    target=dg.AssetSelection.groups("marts"),
    default_status=dg.DefaultSensorStatus.RUNNING,
    minimum_interval_seconds=30,
    description="Refreshes each mart (and the DuckDB warehouse) after the gold tables it reads change.",
)
