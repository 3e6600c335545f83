"""The Dagster instance home: SQLite under the data directory, or PostgreSQL in production."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import yaml

from chu_platform.settings import ensure_pseudonym_key

PG_ENV = "DAGSTER_PG_URL"
_PG_PARTS = ("DAGSTER_PG_HOST", "DAGSTER_PG_USER", "DAGSTER_PG_PASSWORD", "DAGSTER_PG_DB")


def project_root() -> Path:
    return Path(__file__).resolve().parent.parent


def postgres_url_from_env(environ: dict[str, str] | None = None) -> str | None:
    """DAGSTER_PG_URL, or one assembled from DAGSTER_PG_HOST/USER/PASSWORD/DB[/PORT].

    The psycopg2 driver is forced: SQLAlchemy >= 2.1 would otherwise pick psycopg 3, which
    dagster-postgres does not support.
    """
    env = os.environ if environ is None else environ
    url = env.get(PG_ENV, "")
    if not url and all(env.get(name) for name in ("DAGSTER_PG_HOST", "DAGSTER_PG_USER", "DAGSTER_PG_DB")):
        password = env.get("DAGSTER_PG_PASSWORD", "")
        auth = env["DAGSTER_PG_USER"] + (f":{password}" if password else "")
        port = env.get("DAGSTER_PG_PORT", "5432")
        url = f"postgresql://{auth}@{env['DAGSTER_PG_HOST']}:{port}/{env['DAGSTER_PG_DB']}"
    if not url:
        return None
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            url = "postgresql+psycopg2://" + url[len(prefix):]
    return url


def _config_file(name: str) -> Path:
    """``dagster.yaml`` sits at the project root (the design card's place for it); the
    production variant ships inside the package."""
    for candidate in (project_root() / name, Path(__file__).resolve().parent / name):
        if candidate.exists():
            return candidate
    raise FileNotFoundError(f"{name} not found at the project root nor in the chu_platform package")


def _pin_storage_dir(config: Path, home: Path) -> None:
    """Write the home's path into the SQLite storage's ``base_dir`` (``env: DAGSTER_HOME`` in
    the template), so the instance also opens with ``DagsterInstance.from_config(home)``."""
    text = config.read_text()
    values = yaml.safe_load(text)
    custom = (values.get("storage") or {}).get("custom")
    if custom:
        custom.setdefault("config", {})["base_dir"] = str(home)
        header = "".join(line for line in text.splitlines(keepends=True) if line.startswith("#"))
        config.write_text(header + yaml.safe_dump(values, sort_keys=False))


def prepare_home(data_dir: str | Path, environ: dict[str, str] | None = None) -> Path:
    """Create ``<data_dir>/dagster`` with the right dagster.yaml and point DAGSTER_HOME at it.

    Returns the home. An explicit DAGSTER_HOME set by the user is respected as is. The
    pseudonymisation key is made sure of here too: every command that materialises
    assets prepares the instance first.
    """
    env = os.environ if environ is None else environ
    ensure_pseudonym_key(data_dir, env)
    if env.get("DAGSTER_HOME"):
        return Path(env["DAGSTER_HOME"])
    home = Path(data_dir).resolve() / "dagster"
    home.mkdir(parents=True, exist_ok=True)
    url = postgres_url_from_env(env)
    source = _config_file("dagster.postgres.yaml" if url else "dagster.yaml")
    shutil.copyfile(source, home / "dagster.yaml")
    if url:
        env[PG_ENV] = url
    else:
        _pin_storage_dir(home / "dagster.yaml", home)
    env["DAGSTER_HOME"] = str(home)
    return home
