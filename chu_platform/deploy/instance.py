"""The Dagster instance home of a data directory: SQLite under it, or PostgreSQL in production.

The repository root's ``dagster.yaml`` is the embedded instance as Dagster's own tools see it
from the root (SQLite storage under ``data/dagster``, the event log kept open). ``chu`` and ``make up`` work from
any directory and on any data directory: they write that configuration, paths made absolute,
into ``<data_dir>/dagster/dagster.yaml`` and point ``DAGSTER_HOME`` there — or
``chu_platform/deploy/dagster.postgres.yaml`` when ``DAGSTER_PG_URL`` is set.
"""

from __future__ import annotations

import os
from pathlib import Path

import yaml

from chu_platform.deploy.pseudonym_key import ensure_pseudonym_key
from chu_platform.deploy.settings import project_root

PG_ENV = "DAGSTER_PG_URL"
# The embedded storage keeps the event log's SQLite connections open
# (chu_platform/lib/instance_storage.py); CHU_FAST_INSTANCE=0 gives Dagster's stock SQLite storage.
FAST_INSTANCE_ENV = "CHU_FAST_INSTANCE"
# Runs forked from a warm process (chu_platform/lib/run_launcher.py); CHU_WARM_RUNS=0 gives
# Dagster's way, a new process per run started by the code server.
WARM_RUNS_ENV = "CHU_WARM_RUNS"
_PACKAGE = Path(__file__).resolve().parent

__all__ = ["PG_ENV", "FAST_INSTANCE_ENV", "WARM_RUNS_ENV", "fast_storage", "warm_runs", "instance_config", "postgres_url_from_env", "prepare_home", "project_root"]


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


def _template() -> Path:
    """The root ``dagster.yaml``: the platform runs from its checkout (workspace.yaml is there too)."""
    root = project_root()
    if root is None:
        raise FileNotFoundError(f"chu_platform runs from its repository checkout; none around {_PACKAGE}")
    return root / "dagster.yaml"


def _switched_off(name: str, environ: dict[str, str] | None = None) -> bool:
    env = os.environ if environ is None else environ
    return env.get(name, "").strip().lower() in ("0", "false", "no", "off")


def fast_storage(environ: dict[str, str] | None = None) -> bool:
    """The kept-open event log (the default), unless CHU_FAST_INSTANCE is 0/false/no/off."""
    return not _switched_off(FAST_INSTANCE_ENV, environ)


def warm_runs(environ: dict[str, str] | None = None) -> bool:
    """Runs forked from a warm process (the default), unless CHU_WARM_RUNS is 0/false/no/off."""
    return not _switched_off(WARM_RUNS_ENV, environ)


def instance_config(home: Path, postgres: bool, fast: bool = True, warm: bool = True) -> dict:
    """The instance configuration of ``home``: the PostgreSQL one, or the embedded one with its
    storage paths under ``home``: the kept-open SQLite storage of the root ``dagster.yaml``, or
    Dagster's stock SQLite storage when not ``fast``; without ``warm``, runs start Dagster's
    default way (no ``warm_module``)."""
    values = yaml.safe_load(((_PACKAGE / "dagster.postgres.yaml") if postgres else _template()).read_text())
    if not warm:
        values["run_launcher"].pop("config", None)
    if postgres:
        return values
    values["storage"]["custom"]["config"]["base_dir"] = str(home)
    values["local_artifact_storage"]["config"]["base_dir"] = str(home)
    values["compute_logs"]["config"]["base_dir"] = str(home / "storage")
    if not fast:
        values["storage"] = {"sqlite": {"base_dir": str(home)}}
    return values


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
    fast = fast_storage(env)
    header = ("# Written by chu_platform/deploy/instance.py from the repository's dagster.yaml "
              f"({'PostgreSQL' if url else 'SQLite, event log kept open' if fast else 'stock SQLite, CHU_FAST_INSTANCE=0'}); "
              "edit that file, not this copy.\n")
    (home / "dagster.yaml").write_text(header + yaml.safe_dump(instance_config(home, bool(url), fast, warm_runs(env)),
                                                                 sort_keys=False))
    if url:
        env[PG_ENV] = url
    env["DAGSTER_HOME"] = str(home)
    return home
