"""The pseudonymisation key, from the environment only."""

import dagster as dg


class PseudonymKey(dg.ConfigurableResource):
    """HMAC-SHA256 key that turns patient identifiers into pseudonyms.

    Changing it changes every pseudonym (and so every patient version key): keep it stable
    and secret, like a password. The ``chu`` CLI generates a demo key when none is set.
    """

    key: str


def pseudonym_from_env() -> PseudonymKey:
    return PseudonymKey(key=dg.EnvVar("CHU_PSEUDONYM_KEY"))

