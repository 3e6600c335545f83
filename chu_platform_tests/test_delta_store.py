"""The storage layer's write path, with the same assertions on a local lake and on an S3 lake
(a local S3 server): partition overwrites, concurrent commits of different years, schema checks."""

import threading
from pathlib import Path

import boto3
import duckdb
import polars as pl
import pytest
from deltalake import DeltaTable
from deltalake.exceptions import DeltaError, SchemaMismatchError
from polars.testing import assert_frame_equal

from chu_platform.lib import delta_store, object_store, warehouse


def _frame(year: int, n: int = 5, label: str = "x") -> pl.DataFrame:
    return pl.DataFrame(
        {"id": list(range(n)), "label": [f"{label}{i}" for i in range(n)], "year": [year] * n},
        schema={"id": pl.Int64, "label": pl.String, "year": pl.Int32},
    )


def _log_files(uri: str) -> list[str]:
    """Names of the files in the table's ``_delta_log`` folder, wherever the table lives."""
    if not uri.startswith("s3://"):
        return sorted(p.name for p in (Path(uri) / "_delta_log").iterdir())
    bucket, _, prefix = uri.removeprefix("s3://").partition("/")
    listed = boto3.client("s3").list_objects_v2(Bucket=bucket, Prefix=f"{prefix}/_delta_log/")
    return sorted(item["Key"].rsplit("/", 1)[-1] for item in listed.get("Contents", []))


def test_year_rewrite_replaces_only_that_year_with_statistics(lake):
    uri = f"{lake}/t"
    delta_store.write_years(_frame(2019), uri, [2019])
    delta_store.write_years(_frame(2020), uri, [2020])
    result = delta_store.write_years(_frame(2019, 3, "z"), uri, [2019])
    table = DeltaTable(uri)
    assert result.version == table.version() == 2 and result.rows == 3
    assert sorted(f.split("/")[-2] for f in table.file_uris()) == ["year=2019", "year=2020"]
    actions = pl.DataFrame(table.get_add_actions(flatten=True)).sort("partition.year")
    assert actions["num_records"].to_list() == [3, 5]
    assert actions["min.id"].to_list() == [0, 0] and actions["max.id"].to_list() == [2, 4]
    assert actions["min.label"].to_list() == ["z0", "x0"] and actions["null_count.label"].to_list() == [0, 0]
    read = delta_store.read(uri).sort("year", "id")
    assert read.filter(pl.col("year") == 2019)["label"].to_list() == ["z0", "z1", "z2"]
    assert_frame_equal(delta_store.read(uri, [2020]), _frame(2020), check_column_order=False)


def test_duckdb_reads_the_current_files(lake):
    uri = f"{lake}/t"
    delta_store.write_years(_frame(2019), uri, [2019])
    delta_store.write_years(_frame(2019, 2), uri, [2019])
    assert len(delta_store.current_files(uri)) == 1
    con = duckdb.connect()
    object_store.attach_duckdb(con, uri)
    warehouse.register_views(con, {"t": uri})
    assert con.execute("SELECT count(*), min(year), max(id) FROM t").fetchone() == (2, 2019, 1)
    assert pl.scan_delta(uri).filter(pl.col("id") > 0).collect().height == 1


def test_empty_year_write_empties_the_year(lake):
    uri = f"{lake}/t"
    delta_store.write_years(_frame(2019), uri, [2019])
    delta_store.write_years(_frame(2020), uri, [2020])
    delta_store.write_years(_frame(2019).clear(), uri, [2019])
    assert delta_store.read(uri)["year"].unique().to_list() == [2020]
    assert [f.split("/")[-2] for f in DeltaTable(uri).file_uris()] == ["year=2020"]


def test_a_first_write_of_no_rows_creates_the_table(lake):
    uri = f"{lake}/t"
    delta_store.write_years(_frame(2019).clear(), uri, [2019])
    assert delta_store.read(uri).schema == _frame(2019).schema
    assert DeltaTable(uri).metadata().partition_columns == ["year"]


def test_whole_table_overwrite_and_schema_change(lake):
    uri = f"{lake}/dim"
    delta_store.write_table(_frame(2019).drop("year"), uri)
    delta_store.write_table(_frame(2019, 2).drop("year"), uri)
    assert delta_store.read(uri).height == 2 and len(DeltaTable(uri).file_uris()) == 1
    delta_store.write_table(pl.DataFrame({"other": [1, 2, 3]}), uri)
    assert delta_store.read(uri).columns == ["other"]


def test_a_partition_write_with_another_schema_is_refused(lake):
    uri = f"{lake}/t"
    delta_store.write_years(_frame(2019), uri, [2019])
    with pytest.raises(SchemaMismatchError):
        delta_store.write_years(_frame(2019).with_columns(pl.lit(1).alias("extra")), uri, [2019])
    with pytest.raises(SchemaMismatchError):
        delta_store.write_years(_frame(2019).drop("label"), uri, [2019])
    # A column of another type is cast to the table's type (safely): a value that does not fit is refused.
    with pytest.raises(DeltaError, match="Cannot cast string 'x0' to value of Int64"):
        delta_store.write_years(_frame(2019).with_columns(pl.col("label").alias("id")), uri, [2019])
    assert delta_store.read(uri).height == 5 and delta_store.version(uri) == 0


def test_rows_outside_the_written_years_are_refused(lake):
    uri = f"{lake}/t"
    with pytest.raises(ValueError, match=r"rows for years \[2020\]"):
        delta_store.write_years(pl.concat([_frame(2019), _frame(2020)]), uri, [2019])
    assert not delta_store.exists(uri)


def test_a_range_of_years_is_replaced_in_one_commit(lake):
    uri = f"{lake}/t"
    for year in (2018, 2019, 2020, 2021):
        delta_store.write_years(_frame(year), uri, [year])
    result = delta_store.write_years(pl.concat([_frame(2019, 1), _frame(2020, 2)]), uri, [2019, 2020])
    assert result.version == 4
    assert delta_store.read(uri).group_by("year").len().sort("year")["len"].to_list() == [5, 1, 2, 5]


def test_concurrent_writers_of_different_years_all_commit(lake):
    """Writers of different years racing on one table: the library retries the losers' commits
    (the first writers also race to create the table); nothing lost, nothing doubled."""
    uri = f"{lake}/t"
    years = list(range(2010, 2018))
    errors: list[BaseException] = []
    start = threading.Barrier(len(years))

    def write(year: int) -> None:
        start.wait()
        try:
            delta_store.write_years(_frame(year, year - 2000), uri, [year])
        except BaseException as exc:  # noqa: BLE001 - reported below with the year
            errors.append(exc)

    threads = [threading.Thread(target=write, args=(y,)) for y in years]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    counts = delta_store.read(uri).group_by("year").len().sort("year")
    assert counts["year"].to_list() == years and counts["len"].to_list() == [y - 2000 for y in years]
    assert delta_store.version(uri) == len(years) - 1


def test_the_log_is_checkpointed_every_ten_commits(lake):
    uri = f"{lake}/t"
    for i in range(12):
        delta_store.write_years(_frame(2000 + i % 3, i + 1), uri, [2000 + i % 3])
    table = DeltaTable(uri)
    assert table.metadata().configuration["delta.checkpointInterval"] == str(delta_store.CHECKPOINT_INTERVAL)
    assert [name for name in _log_files(uri) if name.endswith(".checkpoint.parquet")] == [
        "00000000000000000009.checkpoint.parquet"
    ]
    counts = delta_store.read(uri).group_by("year").len().sort("year")["len"].to_list()
    assert counts == [10, 11, 12]  # the last write of each year: i = 9, 10, 11


def test_replace_where_and_append(lake):
    uri = f"{lake}/rejects"
    rows = pl.DataFrame({"source": ["a", "a", "b"], "line": [1, 2, 1]})
    delta_store.replace_where(rows, uri, "source = 'a'", partition_by=["source"])
    delta_store.replace_where(pl.DataFrame({"source": ["a"], "line": [9]}), uri, "source = 'a'")
    assert delta_store.read(uri).sort("source", "line").rows() == [("a", 9), ("b", 1)]
    log = f"{lake}/log"
    delta_store.append(pl.DataFrame({"n": [1]}), log)
    delta_store.append(pl.DataFrame({"n": [2], "extra": ["x"]}), log)
    assert delta_store.read(log).sort("n").rows() == [(1, None), (2, "x")]


def test_compact_z_orders_a_year(lake):
    uri = f"{lake}/t"
    delta_store.write_years(_frame(2019), uri, [2019])
    delta_store.append(_frame(2019), uri)
    delta_store.append(_frame(2019), uri)
    metrics = delta_store.compact(uri, z_order=["id"], years=[2019])
    assert metrics["numFilesRemoved"] == 3 and metrics["numFilesAdded"] == 1
    assert delta_store.read(uri).height == 15


def test_pages_are_lz4_compressed_unless_a_write_says_otherwise(tmp_path):
    """The lake's codec (``writer_properties``): LZ4_RAW, which DuckDB reads; a write's own
    ``writer_properties`` (an asset's ``delta_write_options``) still wins."""
    import pyarrow.parquet as pq
    from deltalake import WriterProperties

    def codecs(uri: str) -> set[str]:
        metadata = [pq.ParquetFile(f).metadata for f in delta_store.current_files(uri)]
        return {m.row_group(0).column(c).compression for m in metadata for c in range(m.num_columns)}

    lz4, snappy = str(tmp_path / "lz4"), str(tmp_path / "snappy")
    delta_store.write_years(_frame(2019), lz4, [2019])
    delta_store.write_years(_frame(2019), snappy, [2019],
                            write_options={"writer_properties": WriterProperties(compression="SNAPPY")})
    # pyarrow names the LZ4_RAW codec "LZ4" (its "LZ4_HADOOP" is the other one).
    assert codecs(lz4) in ({"LZ4_RAW"}, {"LZ4"})
    assert codecs(snappy) == {"SNAPPY"}
    con = duckdb.connect()
    warehouse.register_views(con, {"t": lz4})
    assert con.execute("SELECT count(*), max(label) FROM t").fetchone() == (5, "x4")
    delta_store.compact(lz4)
    assert codecs(lz4) in ({"LZ4_RAW"}, {"LZ4"})
