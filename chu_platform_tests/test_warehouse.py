"""DuckDB reads exactly the current Delta snapshot, never files a later write replaced."""

import duckdb
import polars as pl

from chu_platform.lib import delta_store, warehouse


def test_views_read_current_snapshot_after_partition_replaced(tmp_path):
    uri = str(tmp_path / "fact")
    delta_store.write_years(pl.DataFrame({"year": [2019] * 3, "n": [1, 1, 1]}), uri, [2019])
    delta_store.write_years(pl.DataFrame({"year": [2020] * 2, "n": [5, 5]}), uri, [2020])
    delta_store.write_years(pl.DataFrame({"year": [2019], "n": [100]}), uri, [2019])

    on_disk = list((tmp_path / "fact").rglob("*.parquet"))
    assert len(on_disk) == 3, "the replaced 2019 file must still be on disk for this test to mean anything"

    con = duckdb.connect()
    assert warehouse.register_views(con, {"fact": uri}) == ["fact"]
    rows = con.sql("SELECT year, count(*), sum(n) FROM fact GROUP BY year ORDER BY year").fetchall()
    assert rows == [(2019, 1, 100), (2020, 2, 10)]


def test_unpartitioned_and_empty_tables(tmp_path):
    dim = str(tmp_path / "dim")
    delta_store.write_table(pl.DataFrame({"code": ["01", "2A"], "nom": ["Ain", "Corse-du-Sud"]}), dim)
    empty = str(tmp_path / "empty")
    delta_store.write_table(pl.DataFrame({"code": pl.Series([], dtype=pl.String), "n": pl.Series([], dtype=pl.Int64)}), empty)
    con = duckdb.connect()
    assert sorted(warehouse.register_views(con, {"dim": dim, "empty": empty, "absent": str(tmp_path / "no")})) == ["dim", "empty"]
    assert con.sql("SELECT code FROM dim ORDER BY code").fetchall() == [("01",), ("2A",)]
    assert con.sql("SELECT count(*) FROM empty").fetchall() == [(0,)]
    assert [c[0] for c in con.sql("DESCRIBE empty").fetchall()] == ["code", "n"]


def test_views_stored_in_a_file_type_never_written_columns_as_varchar(tmp_path):
    """A ``void`` Delta column binds as NULL in DuckDB 2.0 and INTEGER in 1.x; a stored view with
    either type would refuse to run in the other engine ("Contents of view were altered")."""
    uri = str(tmp_path / "dim")
    delta_store.write_table(pl.DataFrame({"code": ["01", "02"], "valid_to": [None, None]}), uri)
    con = duckdb.connect()
    warehouse.register_views(con, {"dim": uri})
    assert con.sql("DESCRIBE dim").fetchall()[1][:2] == ("valid_to", "VARCHAR")
    assert con.sql("SELECT code, valid_to FROM dim ORDER BY code").fetchall() == [("01", None), ("02", None)]
