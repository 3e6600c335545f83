"""Marts follow gold on their own: the automation sensor evaluates their conditions."""

import dagster as dg

from chu_platform.layers.marts import aggregates

# Marts and the warehouse read every year present, so they follow any update of what they
# read. Not eager(): its "no dependency missing" clause counts every year partition never
# loaded (1970..., the current year) as missing, and a year-partitioned parent always has some,
# so an eager mart would never refresh after a year file lands.
FOLLOW_ANY_YEAR = (
    dg.AutomationCondition.any_deps_updated().since_last_handled()
    & ~dg.AutomationCondition.any_deps_in_progress()
    & ~dg.AutomationCondition.in_progress()
).with_label("what it reads updated")

marts_automation = dg.AutomationConditionSensorDefinition(
    "marts_automation",
    # The gold pre-aggregates follow their facts too: the marts are read from them.
    target=dg.AssetSelection.groups("marts") | dg.AssetSelection.assets(
        *(dg.AssetKey(["gold", a.table]) for a in aggregates.AGGREGATES.values())
    ),
    default_status=dg.DefaultSensorStatus.RUNNING,
    # A year file loaded by the drop sensor reaches the marts within one interval of its run.
    minimum_interval_seconds=10,
    description="Refreshes the gold pre-aggregates, each mart and the DuckDB warehouse after the gold tables they read change.",
)
