"""The pseudonymisation key, from the environment only."""

import dagster as dg


class PseudonymKey(dg.ConfigurableResource):
    """HMAC-SHA256 key that turns patient identifiers into pseudonyms.

    Changing it changes every pseudonym (and so every patient version key): keep it stable
    and secret, like a password. The ``chu`` CLI generates a demo key when none is set.
    """

    key: str


# Set at launch by every entry point (``chu`` generates a demo key when none is set): read by
# Dagster from the environment when the resource is used, its name alone in the definitions.
PSEUDONYM = PseudonymKey(key=dg.EnvVar("CHU_PSEUDONYM_KEY"))

