"""The ``alerts`` resource: where run failures are reported besides ``data/logs/failures.log``."""

import dagster as dg

from chu_platform.deploy.settings import configured


class AlertsResource(dg.ConfigurableResource):
    """``webhook_url`` empty: failures go to the log file only."""

    webhook_url: str = ""


def alerts_from_env() -> AlertsResource:
    return AlertsResource(webhook_url=configured("CHU_ALERT_WEBHOOK_URL"))
