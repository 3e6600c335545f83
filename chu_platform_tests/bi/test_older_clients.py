"""Both warehouses open, every table readable, in the DuckDB engines BI tools embed: older 1.x
engines from PyPI in environments of their own, and SQLAlchemy + duckdb_engine (Superset's path)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest
import sqlalchemy as sa

from chu_platform.marts import publication
from chu_platform.marts.analyses import ANALYSES
from chu_platform_tests.bi.clients import VERSIONS, client_python

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


def _read(python: Path | str, paths: list[Path], refused: Path) -> dict:
    done = subprocess.run([str(python), "-c", READER, str(refused), *map(str, paths)],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout)


@pytest.fixture(scope="module")
def newest(published, tmp_path_factory) -> dict:
    """What this project's own DuckDB reads from both files (and a file in its default format)."""
    refused = tmp_path_factory.mktemp("control") / "duckdb-2-format.duckdb"
    with duckdb.connect(str(refused)) as con:
        con.execute("CREATE TABLE t AS SELECT 1 AS a")
    files = {"refused": refused, "paths": [published.warehouse, published.analysts_warehouse]}
    return {"files": files, "read": _read_main(files["paths"])}


def _read_main(paths: list[Path]) -> dict:
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


def test_the_files_hold_what_is_published(published, newest):
    bi = newest["read"][str(published.warehouse)]
    dimensions = {t for t in publication.PUBLIC_DIMENSIONS if t in published.gold}
    assert set(bi) == set(ANALYSES) | dimensions
    assert not [t for t in bi if t.startswith("fact_") or t == "dim_patient"]
    for name in ANALYSES:
        assert len(bi[name]["rows"]) == published.mart(name).height, name
    analysts = newest["read"][str(published.analysts_warehouse)]
    for table, frame in published.gold.items():
        assert len(analysts[table]["rows"]) == frame.height, table


@pytest.mark.parametrize("version", VERSIONS)
def test_an_older_duckdb_reads_every_table_of_both_warehouses(published, newest, version):
    python = client_python(version)
    files = newest["files"]
    got = _read(python, files["paths"], files["refused"])
    assert got["version"] == version
    # Exactly what DuckDB 2.0 reads: every table and view, every column, every row.
    assert got["files"] == newest["read"]
    assert "version number" in (got["refused"] or ""), f"DuckDB {version} opened a file in DuckDB 2.0's format"
    # Superset's path on that engine: SQLAlchemy 1.4 + duckdb_engine, columns reflected.
    for path, reflected in got["sqlalchemy"].items():
        assert reflected["sqlalchemy"].startswith("1.4")
        tables = newest["read"][path]
        assert set(reflected["tables"]) == set(tables)
        for name, seen in reflected["tables"].items():
            assert seen == {"columns": tables[name]["columns"], "rows": len(tables[name]["rows"])}, (path, name)


def test_sqlalchemy_duckdb_engine_lists_and_reads_every_published_table(published, newest):
    """The project's own SQLAlchemy and duckdb_engine, read-only as a BI tool connects."""
    engine = sa.create_engine(f"duckdb:///{published.warehouse}", connect_args={"read_only": True})
    with engine.connect() as conn:
        names = sa.inspect(conn).get_table_names()
        tables = newest["read"][str(published.warehouse)]
        assert sorted(names) == sorted(tables)
        for name in names:
            result = conn.execute(sa.text(f'SELECT * FROM "{name}"'))
            assert list(result.keys()) == tables[name]["columns"]
            assert sorted(json.dumps(tuple(r), default=str) for r in result) == tables[name]["rows"], name
    engine.dispose()
