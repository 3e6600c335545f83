"""The Delta IO manager replaces exactly the partition a run computed."""

import threading

import dagster as dg
import polars as pl
from polars.testing import assert_frame_equal

from chu_platform.lib import delta_store
from chu_platform.defs.io_manager import DeltaIOManager
from chu_platform.defs.partitions import yearly_partitions


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
    assert metadata["rows_written"].value == 1
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


def _metadata(result: dg.ExecuteInProcessResult) -> dict:
    return {k: getattr(v, "value", v) for k, v in
            result.get_asset_materialization_events()[0].materialization.metadata.items()}


def test_write_options_come_from_asset_metadata(tmp_path):
    """``sort_by`` orders the year's file, ``delta_write_options`` reach write_deltalake,
    ``z_order_by`` rewrites the written year once; a LazyFrame output is written like a frame."""
    io = DeltaIOManager(data_dir=str(tmp_path))
    values = [5, None, 3, 9, 1]

    @dg.asset(key=["gold", "fact_things"], partitions_def=yearly_partitions,
              metadata={"sort_by": ["value"], "delta_write_options": {"target_file_size": 10_000_000}})
    def fact_things(context: dg.AssetExecutionContext) -> pl.LazyFrame:
        return _frame(int(context.partition_key), values).lazy()

    @dg.asset(key=["gold", "fact_zorder"], partitions_def=yearly_partitions,
              metadata={"z_order_by": ["a", "b"]})
    def fact_zorder(context: dg.AssetExecutionContext) -> pl.DataFrame:
        year = int(context.partition_key)
        return pl.DataFrame({"a": [3, 1, 2], "b": [1, 2, 3], "year": [year] * 3})

    sorted_run = dg.materialize([fact_things], partition_key="2019", resources={"io_manager": io})
    meta = _metadata(sorted_run)
    assert meta["sorted_by"] == "value" and meta["data_files_in_partition"] == 1 and meta["rows_written"] == 5
    uri = delta_store.table_uri(str(tmp_path / "lake"), ["gold", "fact_things"])
    # The file itself is in sort order, nulls last (read without any ORDER BY).
    (path,) = delta_store.current_files(uri)
    assert pl.read_parquet(path)["value"].to_list() == [1, 3, 5, 9, None]

    z_run = dg.materialize([fact_zorder], partition_key="2020", resources={"io_manager": io})
    meta = _metadata(z_run)
    z_uri = delta_store.table_uri(str(tmp_path / "lake"), ["gold", "fact_zorder"])
    assert meta["z_ordered_by"] == "a, b" and meta["files_rewritten"] == 1
    assert meta["delta_version"] == delta_store.version(z_uri) == 1  # the write, then the Z-order
    assert delta_store.read(z_uri).sort("a")["b"].to_list() == [2, 3, 1]


def test_an_input_annotated_lazyframe_is_scanned(tmp_path):
    io = DeltaIOManager(data_dir=str(tmp_path))
    frames = {"2019": _frame(2019, [1, 2]), "2020": _frame(2020, [5])}
    upstream = _asset_returning(frames)
    seen: dict[str, object] = {}

    @dg.asset(key=["gold", "all_years"], partitions_def=yearly_partitions,
              ins={"things": dg.AssetIn(["silver", "things"], partition_mapping=dg.AllPartitionMapping())})
    def all_years(context: dg.AssetExecutionContext, things: pl.LazyFrame) -> pl.DataFrame:
        seen["type"] = type(things)
        total = things.select(pl.col("value").sum()).collect().item()
        return pl.DataFrame({"total": [total], "year": [int(context.partition_key)]})

    for year in ("2019", "2020"):
        assert dg.materialize([upstream], partition_key=year, resources={"io_manager": io}).success
    assert dg.materialize([upstream, all_years], partition_key="2020", resources={"io_manager": io},
                          selection=[all_years]).success
    assert seen["type"] is pl.LazyFrame
    uri = delta_store.table_uri(str(tmp_path / "lake"), ["gold", "all_years"])
    assert delta_store.read(uri)["total"].to_list() == [8]


def test_a_changed_schema_fails_unless_the_table_may_be_replaced(tmp_path):
    """A year whose columns no longer match the table's: a failure for a table of record; the
    whole table replaced for a derived one (``on_schema_change: replace_table``), whose other
    years are stale and are rewritten by their own partitions."""
    io = DeltaIOManager(data_dir=str(tmp_path))
    uri = delta_store.table_uri(str(tmp_path / "lake"), ["silver", "things"])
    frames = {"2019": _frame(2019, [1, 2]), "2020": _frame(2020, [5]).with_columns(extra=pl.lit("new"))}

    def things_asset(metadata: dict):
        @dg.asset(key=["silver", "things"], partitions_def=yearly_partitions, metadata=metadata)
        def things(context: dg.AssetExecutionContext) -> pl.DataFrame:
            return frames[context.partition_key]

        return things

    strict, derived = things_asset({}), things_asset({"on_schema_change": "replace_table"})
    assert dg.materialize([strict], partition_key="2019", resources={"io_manager": io}).success
    failed = dg.materialize([strict], partition_key="2020", resources={"io_manager": io}, raise_on_error=False)
    assert not failed.success
    assert_frame_equal(delta_store.read(uri).select("year", "value"), frames["2019"])

    assert dg.materialize([derived], partition_key="2020", resources={"io_manager": io}).success
    assert_frame_equal(delta_store.read(uri).select("year", "value", "extra"), frames["2020"])
