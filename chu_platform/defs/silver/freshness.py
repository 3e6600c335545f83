"""Freshness per source: each silver entity must have been refreshed within its delivery rhythm.

The care database and the FTP files are delivered at least monthly; e-Satis and the deaths
register yearly. Every run that materialises an entity evaluates its check (``chu run``
included); the sensor, stopped by default (start it in the UI), evaluates them between runs
so that staleness shows without one.
"""

from datetime import timedelta

import dagster as dg

MONTHLY = [dg.AssetKey(["silver", t]) for t in ("patients", "professionals", "establishments", "diagnoses",
                                                  "consultations", "hospitalisations")]
YEARLY = [dg.AssetKey(["silver", t]) for t in ("deaths", "satisfaction")]

monthly_freshness_checks = dg.build_last_update_freshness_checks(assets=MONTHLY, lower_bound_delta=timedelta(days=35))
yearly_freshness_checks = dg.build_last_update_freshness_checks(assets=YEARLY, lower_bound_delta=timedelta(days=400))
freshness_sensor = dg.build_sensor_for_freshness_checks(
    freshness_checks=[*monthly_freshness_checks, *yearly_freshness_checks], name="silver_freshness_sensor"
)
