"""The storage layer's write path: Polars-written files committed as Delta transactions."""

import json

import duckdb
import polars as pl
import pytest
from deltalake import DeltaTable

from chu_platform.lib import delta_store


def _frame(year: int, n: int = 5, label: str = "x") -> pl.DataFrame:
    return pl.DataFrame(
        {"id": list(range(n)), "label": [f"{label}{i}" for i in range(n)], "long": ["y" * 40] * n,
         "year": [year] * n},
        schema={"id": pl.Int64, "label": pl.String, "long": pl.String, "year": pl.Int32},
    )



def test_year_rewrite_leaves_one_file_per_year_with_statistics(tmp_path):
    uri = str(tmp_path / "t")
    delta_store.write_years(_frame(2019), uri, [2019])
    delta_store.write_years(_frame(2020), uri, [2020])
    result = delta_store.write_years(_frame(2019, 3, "z"), uri, [2019])
    table = DeltaTable(uri)
    assert result.version == table.version() == 3
    files = table.file_uris()
    assert sorted(f.split("/")[-2] for f in files) == ["year=2019", "year=2020"]
    log = [json.loads(line) for path in sorted((tmp_path / "t" / "_delta_log").glob("*.json"))
           for line in path.read_text().splitlines()]
    adds = [entry["add"] for entry in log if "add" in entry]
    last = json.loads(adds[-1]["stats"])
    assert last["numRecords"] == 3
    assert last["minValues"] == {"id": 0, "label": "z0"} and last["maxValues"] == {"id": 2, "label": "z2"}
    assert "long" not in last["minValues"]  # over 32 characters: no bound rather than a wrong one
    assert last["nullCount"] == {"id": 0, "label": 0, "long": 0}
    read = delta_store.read(uri).sort("year", "id")
    assert read.filter(pl.col("year") == 2019)["label"].to_list() == ["z0", "z1", "z2"]
    assert read.filter(pl.col("year") == 2020).height == 5


def test_engines_read_the_committed_files(tmp_path):
    uri = str(tmp_path / "t")
    delta_store.write_years(_frame(2019), uri, [2019])
    delta_store.write_years(_frame(2019, 2), uri, [2019])
    listing = ", ".join(f"'{f}'" for f in delta_store.current_files(uri))
    count = duckdb.connect().execute(f"SELECT count(*), min(year) FROM read_parquet([{listing}], hive_partitioning=true)").fetchone()
    assert count == (2, 2019)
    assert pl.scan_delta(uri).filter(pl.col("id") > 0).collect().height == 1


def test_empty_year_write_empties_the_year(tmp_path):
    uri = str(tmp_path / "t")
    delta_store.write_years(_frame(2019), uri, [2019])
    delta_store.write_years(_frame(2019).clear(), uri, [2019])
    assert delta_store.read(uri).height == 0
    assert DeltaTable(uri).file_uris() == []


def test_whole_table_overwrite_and_schema_change(tmp_path):
    uri = str(tmp_path / "dim")
    delta_store.write_table(_frame(2019).drop("year"), uri)
    delta_store.write_table(_frame(2019, 2).drop("year"), uri)
    assert delta_store.read(uri).height == 2 and len(DeltaTable(uri).file_uris()) == 1
    changed = pl.DataFrame({"other": [1, 2, 3]})
    delta_store.write_table(changed, uri)  # a new schema goes through deltalake's own overwrite
    assert delta_store.read(uri).columns == ["other"]


def test_a_partition_write_with_another_schema_is_refused(tmp_path):
    uri = str(tmp_path / "t")
    delta_store.write_years(_frame(2019), uri, [2019])
    with pytest.raises(Exception, match="(?i)schema"):
        delta_store.write_years(_frame(2019).with_columns(pl.lit(1).alias("extra")), uri, [2019])
    assert delta_store.read(uri).height == 5


def test_a_checkpoint_every_ten_commits_keeps_reads_exact(tmp_path):
    uri = str(tmp_path / "t")
    for i in range(12):
        delta_store.write_years(_frame(2000 + i % 3, i + 1), uri, [2000 + i % 3])
    log = tmp_path / "t" / "_delta_log"
    assert sorted(p.name for p in log.glob("*.checkpoint.parquet")) == ["00000000000000000010.checkpoint.parquet"]
    counts = delta_store.read(uri).group_by("year").len().sort("year")["len"].to_list()
    assert counts == [10, 11, 12]  # the last write of each year: i = 9, 10, 11
