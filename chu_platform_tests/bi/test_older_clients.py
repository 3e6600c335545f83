"""Both warehouses open, every table readable, in the DuckDB engines BI tools embed: older 1.x
engines from PyPI in environments of their own, and SQLAlchemy + duckdb_engine (Superset's path)."""

from __future__ import annotations

import json

import pytest
import sqlalchemy as sa

from chu_platform.layers.marts import publication
from chu_platform.layers.marts.analyses import ANALYSES
from chu_platform.layers.marts.export import EXPORTED
from chu_platform_tests.bi import clients
from chu_platform_tests.bi.clients import VERSIONS, client_python


@pytest.fixture(scope="module")
def newest(published, tmp_path_factory) -> dict:
    """What this project's own DuckDB reads from both files (and a file in its default format)."""
    refused = clients.newest_format_file(tmp_path_factory.mktemp("control"))
    files = {"refused": refused, "paths": [published.warehouse, published.analysts_warehouse]}
    return {"files": files, "read": clients.read_here(files["paths"])}


def test_the_files_hold_what_is_published(published, newest):
    bi = newest["read"][str(published.warehouse)]
    dimensions = {t for t in publication.PUBLIC_DIMENSIONS if t in published.gold}
    # The eight analyses, the activity indicators, the forecast and its backtest, public dimensions.
    assert set(ANALYSES) < set(EXPORTED)
    assert set(bi) == set(EXPORTED) | dimensions
    assert not [t for t in bi if t.startswith("fact_") or t == "dim_patient"]
    for name in EXPORTED:
        assert len(bi[name]["rows"]) == published.mart(name).height, name
    analysts = newest["read"][str(published.analysts_warehouse)]
    assert published.gold
    for table, frame in published.gold.items():
        assert len(analysts[table]["rows"]) == frame.height, table


@pytest.mark.parametrize("version", VERSIONS)
def test_an_older_duckdb_reads_every_table_of_both_warehouses(published, newest, version):
    python = client_python(version)
    files = newest["files"]
    got = clients.read_with(python, files["paths"], files["refused"])
    assert got["version"] == version
    # Exactly what DuckDB 2.0 reads: every table and view, every column, every row.
    assert got["files"] == newest["read"]
    assert "version number" in (got["refused"] or ""), f"DuckDB {version} opened a file in DuckDB 2.0's format"
    # Superset's path on that engine: SQLAlchemy 1.4 + duckdb_engine, columns reflected.
    assert got["sqlalchemy"], "no warehouse was reflected through SQLAlchemy"
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
        assert sorted(names) == sorted(tables) and names
        for name in names:
            result = conn.execute(sa.text(f'SELECT * FROM "{name}"'))
            assert list(result.keys()) == tables[name]["columns"]
            assert sorted(json.dumps(tuple(r), default=str) for r in result) == tables[name]["rows"], name
    engine.dispose()
