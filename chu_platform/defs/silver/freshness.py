"""Freshness per source: each silver entity must have been refreshed within its delivery rhythm.

The care database and the FTP files are delivered at least monthly; e-Satis and the deaths
register yearly. Dagster evaluates these policies itself (no check, no sensor) and shows an
entity as degraded in the UI once its last materialisation is older than the window.
"""

from datetime import timedelta

import dagster as dg

MONTHLY = dg.FreshnessPolicy.time_window(fail_window=timedelta(days=35))
YEARLY = dg.FreshnessPolicy.time_window(fail_window=timedelta(days=400))
