"""Environment variables of the platform and their embedded-demo defaults.

Only entry points (the ``chu`` CLI, ``make``) apply these defaults; the Dagster definitions
read configuration through ``dg.EnvVar`` in resource fields and never at import time.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

DEFAULTS: dict[str, str] = {
    "CHU_DATA_DIR": "data",
    "CHU_LANDING_DIR": "data/landing",
    "CHU_LAKE_URI": "",
    "CHU_SOURCE_DSN": "",
    "CHU_FTP_HOST": "",
    "CHU_FTP_PORT": "21",
    "CHU_FTP_USER": "anonymous",
    "CHU_FTP_PASSWORD": "",
    "CHU_FTP_TLS": "false",
    "CHU_FTP_PASSIVE": "true",
    "CHU_FTP_ROOT": "/",
    "CHU_FTP_CA_FILE": "",
}


PSEUDONYM_KEY = "CHU_PSEUDONYM_KEY"


def apply_defaults(environ: dict[str, str] | None = None) -> dict[str, str]:
    """Fill unset variables with their defaults; returns the values now in force."""
    env = os.environ if environ is None else environ
    for name, value in DEFAULTS.items():
        env.setdefault(name, value)
    return {name: env[name] for name in DEFAULTS}


def ensure_pseudonym_key(data_dir: str | Path, environ: dict[str, str] | None = None) -> None:
    """Without ``CHU_PSEUDONYM_KEY`` the embedded demo uses a random key generated once and
    kept in ``<CHU_DATA_DIR>/.secrets/pseudonym.key`` (mode 0600); production sets its own.
    Called by the commands that materialise assets, not by every command."""
    env = os.environ if environ is None else environ
    if not env.get(PSEUDONYM_KEY):
        env[PSEUDONYM_KEY] = demo_pseudonym_key(Path(data_dir))


def demo_pseudonym_key(data_dir: Path) -> str:
    """The embedded demo's pseudonymisation key, created on first use."""
    path = data_dir / ".secrets" / "pseudonym.key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.parent.chmod(0o700)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_hex(32))
        print(f"No {PSEUDONYM_KEY} set: generated a demo pseudonymisation key in {path}")
    return path.read_text().strip()
