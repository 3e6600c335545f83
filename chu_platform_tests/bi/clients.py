"""Older DuckDB clients, each in a virtual environment of its own beside the project's .venv.

BI drivers bundle the DuckDB engine of their release, older than ours. The set-up installs
that engine from PyPI (with SQLAlchemy 1.4 and duckdb_engine, Superset's combination) through
uv, the tool `make env` uses, once per version: later runs find it in ``.venv-clients/``.
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb

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


# Run by each client's own interpreter: every table and view of each file, in full, sorted; then
# the same through SQLAlchemy (column reflection included); then a file in DuckDB 2.0's own
# format, which an older engine must refuse (else this test could not tell the formats apart).
READER = r'''
import json, sys
import duckdb
import sqlalchemy as sa

refused, paths = sys.argv[1], sys.argv[2:]
out = {"version": duckdb.__version__, "files": {}, "sqlalchemy": {}}
for path in paths:
    con = duckdb.connect(path, read_only=True)
    names = [r[0] for r in con.execute("SELECT table_name FROM information_schema.tables").fetchall()]
    tables = {}
    for name in sorted(names):
        cursor = con.execute(f'SELECT * FROM "{name}"')
        columns = [d[0] for d in cursor.description]
        rows = sorted(json.dumps(row, default=str) for row in cursor.fetchall())
        tables[name] = {"columns": columns, "rows": rows}
    con.close()
    out["files"][path] = tables
    engine = sa.create_engine(f"duckdb:///{path}", connect_args={"read_only": True})
    with engine.connect() as conn:
        inspector = sa.inspect(conn)
        reflected = {}
        for name in sorted(inspector.get_table_names()) + sorted(inspector.get_view_names()):
            columns = [c["name"] for c in inspector.get_columns(name)]
            rows = conn.execute(sa.text(f'SELECT count(*) FROM "{name}"')).scalar()
            reflected[name] = {"columns": columns, "rows": rows}
        out["sqlalchemy"][path] = {"sqlalchemy": sa.__version__, "tables": reflected}
    engine.dispose()
try:
    duckdb.connect(refused, read_only=True).close()
    out["refused"] = None
except duckdb.Error as exc:
    out["refused"] = str(exc)
print(json.dumps(out))
'''


def read_with(python: Path | str, paths: list[Path], refused: Path) -> dict:
    """What the client at ``python`` reads from ``paths`` (and its refusal of ``refused``)."""
    done = subprocess.run([str(python), "-c", READER, str(refused), *map(str, paths)],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout)


def read_here(paths: list[Path]) -> dict:
    """What this process' DuckDB reads from ``paths``, in ``read_with``'s shape."""
    out = {}
    for path in paths:
        with duckdb.connect(str(path), read_only=True) as con:
            names = [r[0] for r in con.execute("SELECT table_name FROM information_schema.tables").fetchall()]
            tables = {}
            for name in sorted(names):
                cursor = con.execute(f'SELECT * FROM "{name}"')
                columns = [d[0] for d in cursor.description]
                tables[name] = {"columns": columns,
                                "rows": sorted(json.dumps(row, default=str) for row in cursor.fetchall())}
        out[str(path)] = tables
    return out


def newest_format_file(folder: Path) -> Path:
    """A file in this DuckDB's default storage format, which older engines must refuse."""
    path = folder / "duckdb-default-format.duckdb"
    with duckdb.connect(str(path)) as con:
        con.execute("CREATE TABLE t AS SELECT 1 AS a")
    return path
