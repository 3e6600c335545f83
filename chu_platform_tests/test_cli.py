"""The ``chu`` command runs the platform on a temporary embedded instance."""

import duckdb
from click.testing import CliRunner

from chu_platform.cli import cli


def test_chu_run_materialises_and_builds_warehouse(chu_env):
    result = CliRunner().invoke(cli, ["run"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert "ok" in result.output
    with duckdb.connect(str(chu_env / "warehouse.duckdb"), read_only=True) as con:
        regions = con.execute("SELECT count(DISTINCT region_code) FROM dim_geography WHERE regexp_full_match(region_code, '[0-9]+')").fetchone()
    assert regions == (18,)
    assert (chu_env / "dagster" / "dagster.yaml").exists()


def test_help_lists_commands():
    result = CliRunner().invoke(cli, ["--help"])
    assert result.exit_code == 0
    assert "run" in result.output and "ui" in result.output
