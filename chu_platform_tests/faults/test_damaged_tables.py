"""A damaged Delta table is named with the command that rebuilds it, that command rebuilds it
from the raw zone, and `chu query` over a damaged table says so in one line."""

import polars as pl
import pytest

from chu_platform.generate import generate
from chu_platform.lib import delta_store
from chu_platform_tests.faults.conftest import CLEAN, SCALE, YEAR, assert_same_lake, chu, deliver, lake_rows


@pytest.fixture(scope="module")
def two_years(tmp_path_factory):
    """Two register years: silver/deaths then has a commit per year, as in the field."""
    landing = tmp_path_factory.mktemp("two_years") / "landing"
    generate(landing, scale=SCALE, seed=5, years=(YEAR - 1, YEAR), rates=CLEAN, load_database=False)
    return landing


@pytest.fixture
def built(chu_env, two_years):
    deliver(two_years, chu_env, "deces")
    result = chu("run")
    assert result.exit_code == 0, result.output
    return chu_env


def test_a_table_whose_log_lost_a_commit_is_named_and_rebuilt_from_raw(built):
    # A second build of one year: silver/deaths then has two commits, as in the field.
    assert chu("run", "--years", str(YEAR)).exit_code == 0
    expected = lake_rows(built)
    table = built / "lake" / "silver" / "deaths"
    assert (table / "_delta_log" / "00000000000000000001.json").exists()
    (table / "_delta_log" / "00000000000000000000.json").unlink()
    # Before: "DeltaError: Kernel error: No table metadata or protocol found in delta log", no table named.
    for damaged in (lambda: delta_store.read(str(table)),
                    lambda: delta_store.write_years(pl.DataFrame({"year": [YEAR]}), str(table), [YEAR])):
        with pytest.raises(delta_store.DamagedTable) as error:
            damaged()
        assert str(error.value).startswith(f"damaged Delta table {table} (")
        assert "`chu repair silver/deaths`" in str(error.value)
    result = chu("repair", "silver/deaths")
    assert result.exit_code == 0, result.output
    assert "silver/deaths: damaged table moved to" in result.output
    assert_same_lake(lake_rows(built), expected)
    assert len(list((built / "damaged").iterdir())) == 1  # the damaged copy is kept aside


def test_query_over_a_truncated_data_file_says_which_table_in_one_line(built):
    for path in (built / "lake" / "gold").rglob("*.parquet"):
        data = path.read_bytes()
        path.write_bytes(data[: len(data) // 2])
    result = chu("query", "deaths_by_region", "--year", str(YEAR))
    assert result.exit_code == 1
    assert "Traceback" not in result.output and "No magic bytes" not in result.output.split("(")[0]
    (line,) = result.output.strip().splitlines()  # before: a raw traceback ending "No magic bytes"
    assert line.startswith(f"Error: damaged Delta table {built / 'lake' / 'gold'}/")
    assert "`chu repair gold/" in line


def test_query_over_a_table_whose_log_lost_a_commit_says_which_table_in_one_line(built):
    assert chu("run", "--years", str(YEAR)).exit_code == 0  # a second commit: the log then lost one, not all
    table = built / "lake" / "gold" / "fact_deces"
    (table / "_delta_log" / "00000000000000000000.json").unlink()
    result = chu("query", "deaths_by_region", "--year", str(YEAR))
    assert result.exit_code == 1
    (line,) = result.output.strip().splitlines()
    assert line.startswith(f"Error: damaged Delta table {table} (") and "`chu repair gold/fact_deces`" in line


def test_histories_and_unknown_tables_are_refused(built):
    result = chu("repair", "raw/manifest")
    assert result.exit_code == 1 and "is a history" in result.output
    result = chu("repair", "silver/nothing")
    assert result.exit_code == 2 and "is no table of the platform" in result.output
