"""``chu bench`` on a synthetic gold: prints the p50 table and appends the history."""

from click.testing import CliRunner

from chu_platform.cli import cli
from chu_platform.lib import delta_store
from chu_platform.layers.marts.analyses import ANALYSES


def test_bench_on_a_synthetic_gold(chu_env):
    args = ["bench", "--synthetic-scale", "0.0003", "-n", "1", "--layouts", "delta_partitioned,duckdb_native", "--year", "2020"]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    assert "| query | delta_partitioned | duckdb_native |" in result.output
    assert "| geo-mean |" in result.output
    history = chu_env / "ops" / "synthetic" / "scale-0.0003" / "lake" / "ops" / "query_latency"
    rows = delta_store.read(str(history))
    assert rows.height == 2 * len(ANALYSES)
    assert rows["period_from"].dt.year().unique().to_list() == [2020]


def test_bench_refuses_an_unknown_layout(chu_env):
    result = CliRunner().invoke(cli, ["bench", "--layouts", "delta_partitioned,parquet_on_tape"])
    assert result.exit_code == 2
    assert "unknown layout(s) ['parquet_on_tape']" in result.output


def test_bench_without_gold_says_what_to_do(chu_env):
    result = CliRunner().invoke(cli, ["bench"])
    assert result.exit_code == 1
    assert "materialise gold" in result.output
