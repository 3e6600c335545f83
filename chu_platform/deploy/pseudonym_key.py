"""Where the pseudonymisation key lives: the environment, or a secrets folder outside the data.

The key turns patient identifiers into pseudonyms; whoever holds it and the source can link a
pseudonym back to a person. It is therefore never kept in the data directory, which holds the
lake and the warehouses: production sets ``CHU_PSEUDONYM_KEY``; the embedded demo generates a
random key once, in ``CHU_SECRETS_DIR`` (default ``$XDG_CONFIG_HOME/chu-platform``, else
``~/.config/chu-platform``), a 0700 folder holding one 0600 file per data directory.
"""

from __future__ import annotations

import hashlib
import os
import secrets
from pathlib import Path

PSEUDONYM_KEY = "CHU_PSEUDONYM_KEY"
SECRETS_DIR = "CHU_SECRETS_DIR"
# Where keys were kept before: moved out on first use, so existing pseudonyms stay stable.
LEGACY_KEY = Path(".secrets") / "pseudonym.key"


def secrets_dir(environ: dict[str, str] | None = None) -> Path:
    env = os.environ if environ is None else environ
    if env.get(SECRETS_DIR):
        return Path(env[SECRETS_DIR]).expanduser()
    config = Path(env["XDG_CONFIG_HOME"]) if env.get("XDG_CONFIG_HOME") else Path.home() / ".config"
    return config / "chu-platform"


def key_path(data_dir: str | Path, environ: dict[str, str] | None = None) -> Path:
    """The demo key of one data directory (named by its absolute path, so two demos never share one)."""
    digest = hashlib.sha256(str(Path(data_dir).resolve()).encode()).hexdigest()[:16]
    return secrets_dir(environ) / f"pseudonym-{digest}.key"


def ensure_pseudonym_key(data_dir: str | Path, environ: dict[str, str] | None = None) -> None:
    """Without ``CHU_PSEUDONYM_KEY`` the embedded demo uses its data directory's key from the
    secrets folder, generated on first use; production sets its own. Called by the commands
    that materialise assets, not by every command."""
    env = os.environ if environ is None else environ
    if not env.get(PSEUDONYM_KEY):
        env[PSEUDONYM_KEY] = demo_pseudonym_key(Path(data_dir), env)


def _private_folder(folder: Path) -> None:
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    folder.chmod(0o700)


def demo_pseudonym_key(data_dir: Path, environ: dict[str, str] | None = None) -> str:
    """The embedded demo's pseudonymisation key, created (or moved out of the data directory) on first use."""
    path = key_path(data_dir, environ)
    legacy = Path(data_dir) / LEGACY_KEY
    if not path.exists():
        _private_folder(path.parent)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            if legacy.exists():
                handle.write(legacy.read_text().strip())
                print(f"Moved the demo pseudonymisation key out of the data directory: {legacy} -> {path}")
            else:
                handle.write(secrets.token_hex(32))
                print(f"No {PSEUDONYM_KEY} set: generated a demo pseudonymisation key in {path}")
    if legacy.exists():
        legacy.unlink()
        if not any(legacy.parent.iterdir()):
            legacy.parent.rmdir()
    return path.read_text().strip()
