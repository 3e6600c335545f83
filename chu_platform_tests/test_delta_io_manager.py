"""The Delta IO manager replaces exactly the partition a run computed."""

import threading

import dagster as dg
import polars as pl
from polars.testing import assert_frame_equal

from chu_platform.lib import delta_store
from chu_platform.lib.io_manager import DeltaIOManager
from chu_platform.partitions import yearly_partitions


def _asset_returning(frames: dict[str, pl.DataFrame]):
    @dg.asset(key=["silver", "things"], partitions_def=yearly_partitions)
    def things(context: dg.AssetExecutionContext) -> pl.DataFrame:
        return frames[context.partition_key]

    return things


def _frame(year: int, values: list[int]) -> pl.DataFrame:
    return pl.DataFrame({"year": [year] * len(values), "value": values}).with_columns(pl.col("year").cast(pl.Int32))


def test_partition_write_replaces_only_its_year(tmp_path):
    io = DeltaIOManager(data_dir=str(tmp_path))
    frames = {"2019": _frame(2019, [1, 2, 3]), "2020": _frame(2020, [10, 20])}
    asset = _asset_returning(frames)
    versions = []
    for year in ("2019", "2020"):
        result = dg.materialize([asset], partition_key=year, resources={"io_manager": io})
        assert result.success
        versions.append(result.get_asset_materialization_events()[0].materialization.metadata["delta_version"].value)
    assert versions[1] == versions[0] + 1

    frames["2019"] = _frame(2019, [7])
    result = dg.materialize([asset], partition_key="2019", resources={"io_manager": io})
    assert result.success
    metadata = result.get_asset_materialization_events()[0].materialization.metadata
    assert metadata["row_count"].value == 1
    assert metadata["delta_version"].value == versions[1] + 1  # one commit per partition write

    uri = delta_store.table_uri(str(tmp_path / "lake"), ["silver", "things"])
    assert uri.endswith("lake/silver/things")
    table = delta_store.read(uri).sort("year", "value")
    assert_frame_equal(table.select("year", "value"), pl.concat([_frame(2019, [7]), frames["2020"]]))
    assert_frame_equal(delta_store.read(uri, [2020]).select("year", "value"), frames["2020"])


def test_downstream_reads_its_partition(tmp_path):
    io = DeltaIOManager(data_dir=str(tmp_path))
    frames = {"2019": _frame(2019, [1, 2]), "2020": _frame(2020, [5])}
    upstream = _asset_returning(frames)

    @dg.asset(key=["gold", "totals"], partitions_def=yearly_partitions, ins={"things": dg.AssetIn(["silver", "things"])})
    def totals(things: pl.DataFrame) -> pl.DataFrame:
        return things.group_by("year").agg(pl.col("value").sum())

    for year in ("2019", "2020"):
        assert dg.materialize([upstream, totals], partition_key=year, resources={"io_manager": io}).success
    uri = delta_store.table_uri(str(tmp_path / "lake"), ["gold", "totals"])
    assert delta_store.read(uri).sort("year")["value"].to_list() == [3, 5]


def test_rows_of_another_year_are_refused(tmp_path):
    io = DeltaIOManager(data_dir=str(tmp_path))
    asset = _asset_returning({"2019": _frame(2020, [1])})
    result = dg.materialize([asset], partition_key="2019", resources={"io_manager": io}, raise_on_error=False)
    assert not result.success


def test_concurrent_runs_of_two_years_both_survive(tmp_path):
    io = DeltaIOManager(data_dir=str(tmp_path))
    years = [str(y) for y in range(2010, 2016)]
    frames = {y: _frame(int(y), list(range(int(y) - 2000))) for y in years}
    asset = _asset_returning(frames)
    outcomes: dict[str, bool] = {}

    def run(year: str) -> None:
        outcomes[year] = dg.materialize([asset], partition_key=year, resources={"io_manager": io}).success

    threads = [threading.Thread(target=run, args=(y,)) for y in years]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert all(outcomes[y] for y in years)
    uri = delta_store.table_uri(str(tmp_path / "lake"), ["silver", "things"])
    counts = dict(delta_store.read(uri).group_by("year").len().iter_rows())
    assert counts == {int(y): int(y) - 2000 for y in years}


def test_unpartitioned_asset_overwrites_table(tmp_path):
    io = DeltaIOManager(data_dir=str(tmp_path))
    state = {"df": pl.DataFrame({"code": ["a", "b"]})}

    @dg.asset(key=["gold", "dim_things"])
    def dim_things() -> pl.DataFrame:
        return state["df"]

    assert dg.materialize([dim_things], resources={"io_manager": io}).success
    state["df"] = pl.DataFrame({"code": ["c"], "label": ["new column"]})
    assert dg.materialize([dim_things], resources={"io_manager": io}).success
    uri = delta_store.table_uri(str(tmp_path / "lake"), ["gold", "dim_things"])
    assert_frame_equal(delta_store.read(uri), state["df"])
