"""The ``alerts`` resource: where run failures are reported besides ``data/logs/failures.log``."""

import dagster as dg

from chu_platform.deploy.settings import resolved
from chu_platform.defs.resources import OwnerOnly, from_variable


class AlertsResource(OwnerOnly, dg.ConfigurableResource):
    """No webhook (``url`` empty): failures go to the log file only."""

    webhook_url: str = from_variable("CHU_ALERT_WEBHOOK_URL")

    @property
    def url(self) -> str:
        """The webhook in force: the field, else ``CHU_ALERT_WEBHOOK_URL``; empty for none."""
        return resolved("CHU_ALERT_WEBHOOK_URL", self.webhook_url).strip()
