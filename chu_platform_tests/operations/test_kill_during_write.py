"""`kill -9` of a run's process in the middle of a Delta write: the table still reads at its
previous version, a re-run completes, and the counts equal a clean run's."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from chu_platform.lib import delta_store

RUN = """
import sys
import dagster as dg
import polars as pl
from chu_platform.defs.io_manager import DeltaIOManager
from chu_platform.defs.partitions import deaths_years

data_dir, rows, year = sys.argv[1], int(sys.argv[2]), sys.argv[3]

# Small data files: the write of the big year is many files before its one commit, so the
# test sees a file of it appear and kills the process well before the commit.
@dg.asset(key=["silver", "big"], partitions_def=deaths_years,
          metadata={"delta_write_options": {"target_file_size": 1_000_000}})
def big(context):
    return (pl.select(pl.int_range(rows, dtype=pl.Int64).alias("id"))
            .with_columns(year=pl.lit(int(context.partition_key)), label=pl.format("row-{}-of-a-long-label", "id")))

result = dg.materialize([big], partition_key=year, resources={"io_manager": DeltaIOManager(data_dir=data_dir)})
sys.exit(0 if result.success else 1)
"""


def _run(data: Path, rows: int, year: int) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-c", RUN, str(data), str(rows), str(year)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def _counts(uri: str) -> dict[int, int]:
    frame = delta_store.read(uri)
    return dict(frame.group_by("year").len().sort("year").iter_rows())


def test_kill_9_mid_write_leaves_previous_version(tmp_path):
    data = tmp_path / "data"
    uri = delta_store.table_uri(delta_store.lake_root(str(data)), ["silver", "big"])
    for year, rows in ((2018, 1000), (2019, 1000)):
        assert _run(data, rows, year).wait(120) == 0
    before_version, before = delta_store.version(uri), _counts(uri)
    assert before == {2018: 1000, 2019: 1000}
    table = Path(uri)
    committed = set(table.rglob("*.parquet"))

    big = 2_000_000
    process = _run(data, big, 2019)
    deadline = time.monotonic() + 120
    # Killed as soon as a data file of the new version appears: written, not committed.
    while not (set(table.rglob("*.parquet")) - committed):
        assert process.poll() is None, process.stderr.read().decode()[-2000:]
        assert time.monotonic() < deadline, "the write never started"
        time.sleep(0.005)
    os.kill(process.pid, signal.SIGKILL)
    process.wait(30)
    assert delta_store.version(uri) == before_version
    assert _counts(uri) == before

    # The re-run completes; counts are a clean run's: nothing lost, nothing doubled.
    assert _run(data, big, 2019).wait(300) == 0
    assert _counts(uri) == {2018: 1000, 2019: big}
    clean = tmp_path / "clean"
    for year, rows in ((2018, 1000), (2019, big)):
        assert _run(clean, rows, year).wait(300) == 0
    assert _counts(delta_store.table_uri(delta_store.lake_root(str(clean)), ["silver", "big"])) == _counts(uri)
