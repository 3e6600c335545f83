"""Environment variables of the platform and their embedded-demo defaults: the one place that
resolves the data directory, the landing folder and the lake for every command.

The defaults live here, in the package: the Dagster resources read a variable when they are
used, its value when it is set and this default otherwise (``resolved``), so the definitions are
the same whatever the environment and ``dagster dev`` at the repository root needs no variable.
Only entry points (the ``chu`` CLI, ``make up``) write the resolved values into their
environment, for the processes they start (``apply_defaults``). No Dagster here: ``chu --help``
imports this module.
"""

from __future__ import annotations

import os
from pathlib import Path

from chu_platform.deploy.pseudonym_key import PSEUDONYM_KEY, demo_pseudonym_key, ensure_pseudonym_key  # noqa: F401

# Variables whose default is not a path under the data directory.
FIXED_DEFAULTS: dict[str, str] = {
    "CHU_LAKE_URI": "",
    "CHU_SOURCE_DSN": "",
    "CHU_VOLUME_WARN": "0.25",
    "CHU_VOLUME_FAIL": "0.5",
    "CHU_MAX_REJECTED_SHARE": "0.05",
    "CHU_SETTLE_SECONDS": "5",
    "CHU_FTP_HOST": "",
    "CHU_FTP_PORT": "21",
    "CHU_FTP_USER": "anonymous",
    "CHU_FTP_PASSWORD": "",
    "CHU_FTP_TLS": "",
    "CHU_FTP_PASSIVE": "true",
    "CHU_FTP_ROOT": "/",
    "CHU_FTP_CA_FILE": "",
    "CHU_ALERT_WEBHOOK_URL": "",
}


def project_root() -> Path | None:
    """The checkout this package runs from (``pyproject.toml`` and ``workspace.yaml`` beside
    it), or ``None`` when it is installed elsewhere."""
    root = Path(__file__).resolve().parents[2]
    return root if (root / "pyproject.toml").exists() and (root / "workspace.yaml").exists() else None


def data_dir(environ: dict[str, str] | None = None) -> Path:
    """``CHU_DATA_DIR``, else the checkout's ``data/`` (whatever the current directory), else
    ``./data`` for an installed package."""
    env = os.environ if environ is None else environ
    if env.get("CHU_DATA_DIR"):
        return Path(env["CHU_DATA_DIR"]).expanduser().resolve()
    return ((project_root() or Path.cwd()) / "data").resolve()


def defaults(environ: dict[str, str] | None = None) -> dict[str, str]:
    """Every platform variable's default, paths absolute."""
    data = data_dir(environ)
    return {"CHU_DATA_DIR": str(data), "CHU_LANDING_DIR": str(data / "landing"), **FIXED_DEFAULTS}


# Kept for the names: the variables a deployment sets.
DEFAULTS: dict[str, str] = defaults({})


# Polars allocates through its own jemalloc, which by default hands freed pages back to the
# system within a fraction of a second; a pipeline that builds and drops frames of hundreds of MB
# year after year then faults the same memory in again and again (7.8 M page faults and 38 s of
# system time in a scale-1 ``chu run``; 2.6 M and 18 s with pages kept 30 s). jemalloc reads it
# once, when Polars is first imported: entry points set it in the environment of the processes
# they start (``apply_defaults``: ``chu``, ``make up``) and the repository's ``.env`` gives it to
# ``dagster dev`` and everything it starts. An explicit value wins (except under ``dagster dev``,
# whose ``.env`` values take precedence).
ALLOCATOR: dict[str, str] = {"_RJEM_MALLOC_CONF": "dirty_decay_ms:30000,muzzy_decay_ms:30000"}


def resolved(name: str, value: str) -> str:
    """A resource field's value in force, read when the resource is used: the field when given
    (run config, a test), else the variable, else its default."""
    return value or os.environ.get(name) or defaults()[name]


def apply_defaults(environ: dict[str, str] | None = None) -> dict[str, str]:
    """Entry points only: fill unset variables with their defaults and make the data and
    landing paths absolute, so the processes they start, from any directory, see the same
    data; returns the values now in force."""
    env = os.environ if environ is None else environ
    env["CHU_DATA_DIR"] = str(data_dir(env))
    if env.get("CHU_LANDING_DIR"):
        env["CHU_LANDING_DIR"] = str(Path(env["CHU_LANDING_DIR"]).expanduser().resolve())
    for name, default in {**defaults(env), **ALLOCATOR}.items():
        env.setdefault(name, default)
    return {name: env[name] for name in DEFAULTS}


def describe_data_dir(environ: dict[str, str] | None = None) -> str:
    """One line naming the data directory in use, where it comes from, and whether it is empty."""
    env = os.environ if environ is None else environ
    data = data_dir(env)
    origin = "CHU_DATA_DIR" if env.get("CHU_DATA_DIR") else "default"
    empty = not data.exists() or not any(p for p in data.iterdir() if p.name != ".gitkeep")
    return f"data directory: {data} ({origin}){'  [empty: `chu generate` or `chu demo` first]' if empty else ''}"



def lake_uri(environ: dict[str, str] | None = None) -> str:
    """The lake every command reads and writes: ``CHU_LAKE_URI`` when set (possibly object
    storage), else ``<data directory>/lake`` (as ``delta_store.lake_root`` gives it)."""
    env = os.environ if environ is None else environ
    return env.get("CHU_LAKE_URI") or str(data_dir(env) / "lake")
