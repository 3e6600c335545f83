"""Housekeeping: compaction and vacuum remove replaced files and keep the tables' contents."""

import os
import time

import dagster as dg
import polars as pl
import pytest
from deltalake import DeltaTable

from chu_platform.defs.reliability.housekeeping import lake_housekeeping
from chu_platform.defs.resources import ChuSettings
from chu_platform.lib import delta_store, housekeeping


def _frame(year: int, rows: int, part: int) -> pl.DataFrame:
    return pl.DataFrame({"id": [f"{year}-{part}-{i}" for i in range(rows)], "value": list(range(rows)),
                         "year": [year] * rows}, schema_overrides={"year": pl.Int32})


def _rerun(uri: str, times: int) -> pl.DataFrame:
    """The same two years rewritten ``times`` times, each run writing each year in three pieces
    (as three appends, the way small deliveries accumulate), replacing the previous files."""
    for _ in range(times):
        for year in (2019, 2020):
            delta_store.write_years(_frame(year, 50, 0), uri, [year])
            delta_store.append(_frame(year, 30, 1), uri)
            delta_store.append(_frame(year, 20, 2), uri)
    return delta_store.read(uri).sort("id")


def _run(data, retention_days: float) -> dg.ExecuteInProcessResult:
    settings = ChuSettings(data_dir=str(data), landing_dir=str(data / "landing"))
    return lake_housekeeping.execute_in_process(
        run_config={"ops": {"compact_and_vacuum": {"config": {"retention_days": retention_days}}}},
        resources={"settings": settings},
    )


def test_vacuum_with_zero_retention_removes_replaced_files_and_keeps_the_data(tmp_path):
    data = tmp_path / "data"
    lake = data / "lake"
    uri = delta_store.table_uri(str(lake), ["silver", "things"])
    expected = _rerun(uri, 3)
    old_version = DeltaTable(uri, version=1).to_pyarrow_table().num_rows
    before = housekeeping.usage(lake)

    stale = data / "raw" / ".incoming" / "deaths" / ".deces-2019.txt.123.partial"
    stale.parent.mkdir(parents=True)
    stale.write_text("half a transfer")
    os.utime(stale, (time.time() - 2 * 86400,) * 2)
    fresh = stale.with_name(".deces-2020.txt.456.partial")
    fresh.write_text("a transfer in progress")

    result = _run(data, retention_days=0)
    assert result.success
    after = housekeeping.usage(lake)
    table = DeltaTable(uri)
    parquet = sorted(p for p in lake.rglob("*.parquet") if "_delta_log" not in p.parts)
    # Only the current version's files are left: one per year after compaction.
    assert len(parquet) == len(table.file_uris()) == 2
    # Compaction may rewrite small files into larger ones: fewer files is what vacuum guarantees.
    assert after.files < before.files
    assert delta_store.read(uri).sort("id").equals(expected)
    assert old_version > 0
    with pytest.raises(Exception):
        DeltaTable(uri, version=1).to_pyarrow_table()
    assert not stale.exists() and fresh.exists()


def test_retention_keeps_time_travel(tmp_path):
    data = tmp_path / "data"
    uri = delta_store.table_uri(str(data / "lake"), ["silver", "things"])
    _rerun(uri, 2)
    first = DeltaTable(uri, version=1).to_pyarrow_table()
    assert _run(data, retention_days=7).success
    # Files replaced minutes ago are within the week kept: version 1 still reads.
    assert DeltaTable(uri, version=1).to_pyarrow_table().equals(first)
