"""Older DuckDB clients, each in a virtual environment of its own beside the project's .venv.

BI drivers bundle the DuckDB engine of their release, older than ours. The set-up installs
that engine from PyPI (with SQLAlchemy 1.4 and duckdb_engine, Superset's combination) through
uv, the tool `make env` uses, once per version: later runs find it in ``.venv-clients/``.
"""

from __future__ import annotations

import fcntl
import os
import shutil
import subprocess
import sys
from pathlib import Path

from chu_platform_tests.conftest import missing

# The oldest engine BI drivers still ship (Metabase's DuckDB driver, DBeaver's JDBC of 2024),
# the long-term-support line, and the last 1.x.
VERSIONS = ("1.1.3", "1.4.5", "1.5.6")
# What Superset installs beside duckdb: SQLAlchemy 1.4 (its pin) and the DuckDB dialect.
COMPANIONS = ("duckdb-engine==0.17.0", "sqlalchemy==1.4.54")
CLIENTS = Path(sys.prefix).resolve().parent / ".venv-clients"


def _uv() -> list[str] | None:
    """The uv command `make env` uses: on PATH, else as the module of the system Python."""
    found = shutil.which("uv")
    if found:
        return [found]
    for python in ("python3", sys.executable):
        command = [python, "-m", "uv"]
        if subprocess.run([*command, "--version"], capture_output=True).returncode == 0:
            return command
    return None


def client_python(version: str) -> Path:
    """The interpreter of an environment holding DuckDB ``version``, created on first use."""
    target = CLIENTS / f"duckdb-{version}"
    python = target / "bin" / "python"
    if python.exists():
        return python
    uv = _uv()
    if uv is None:
        missing("uv is not installed (make env installs it): cannot create the older DuckDB clients")
    CLIENTS.mkdir(parents=True, exist_ok=True)
    # Two test workers (pytest -n 2) may ask at once: one builds, the other waits and reuses.
    with open(CLIENTS / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if python.exists():
            return python
        building = CLIENTS / f".duckdb-{version}.{os.getpid()}"
        shutil.rmtree(building, ignore_errors=True)
        steps = ([*uv, "venv", "--quiet", "--python", sys.executable, str(building)],
                 [*uv, "pip", "install", "--quiet", "--python", str(building / "bin" / "python"),
                  f"duckdb=={version}", *COMPANIONS])
        for step in steps:
            done = subprocess.run(step, capture_output=True, text=True, timeout=600)
            if done.returncode != 0:
                shutil.rmtree(building, ignore_errors=True)
                missing(f"could not install DuckDB {version} from PyPI ({' '.join(step[len(uv):len(uv) + 2])}): "
                        f"{done.stderr.strip()[-500:]}")
        # Built under another name and renamed once complete: a half-built one is never found.
        os.replace(building, target)
    return python
