"""Environment variables of the platform and their embedded-demo defaults.

Only entry points (the ``chu`` CLI, ``make``) apply these defaults; the Dagster definitions
read configuration through ``dg.EnvVar`` in resource fields and never at import time.
"""

from __future__ import annotations

import os

DEFAULTS: dict[str, str] = {
    "CHU_DATA_DIR": "data",
    "CHU_LANDING_DIR": "data/landing",
    "CHU_LAKE_URI": "",
    "CHU_SOURCE_DSN": "",
}


def apply_defaults(environ: dict[str, str] | None = None) -> dict[str, str]:
    """Fill unset variables with their defaults; returns the values now in force."""
    env = os.environ if environ is None else environ
    for name, value in DEFAULTS.items():
        env.setdefault(name, value)
    return {name: env[name] for name in DEFAULTS}
