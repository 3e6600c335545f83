"""A year's rows compared with the previous delivery of the year and with the years either
side: a warning past CHU_VOLUME_WARN, a failure (downstream stopped) past CHU_VOLUME_FAIL."""

import dagster as dg
import polars as pl
import pytest
from click.testing import CliRunner

from chu_platform.cli import cli
from chu_platform.defs.bronze.assets import FILE_ASSETS
from chu_platform.defs.bronze.checks import BRONZE_CHECKS
from chu_platform.lib import volumes
from chu_platform_tests.bronze.conftest import platform  # noqa: F401 (fixture)
from chu_platform_tests.bronze.test_parsers import fixed_line

from .conftest import check_results, chu_run, table, write_deaths

DEATHS = next(a for a in FILE_ASSETS if a.key.path[-1] == "deaths")
DEATHS_CHECKS = next(c for c in BRONZE_CHECKS if next(iter(c.check_keys)).asset_key.path[-1] == "deaths")
THRESHOLDS = volumes.Thresholds(0.25, 0.5)


@pytest.mark.parametrize(("rows", "reference", "grade"), [
    (1000, None, "ok"), (1000, 1100, "ok"), (700, 1000, "warn"), (1300, 1000, "warn"), (10, 1000, "fail"),
    (2600, 1000, "fail"), (40, 100, "ok"),  # fewer than 100 rows of difference: never an anomaly
])
def test_grades(rows, reference, grade):
    assert volumes.grade(rows, reference, THRESHOLDS).grade == grade


def test_neighbours_reference_is_the_median_of_the_years_either_side():
    assert volumes.neighbours_reference({2019: 900, 2020: 10, 2021: 1100}, 2020) == 1000
    assert volumes.neighbours_reference({2023: 900, 2024: 10}, 2024) == 900
    assert volumes.neighbours_reference({2024: 10}, 2024) is None


def _register(landing, year, count):
    lines = [fixed_line(name=f"P{i}*X/", died=f"{year}0101") for i in range(count)]
    (landing / f"deces-{year}.txt").write_text("\n".join(lines) + "\n")


def _evaluations(result) -> dict[str, tuple[bool, dg.AssetCheckSeverity, dict]]:
    return {e.check_name: (e.passed, e.severity, e.metadata) for e in result.get_asset_check_evaluations()}


def test_a_redelivered_year_warns_then_fails_against_its_previous_delivery(platform):
    _, _, landing, resources = platform
    with dg.instance_for_test() as instance:
        def load(year):
            return dg.materialize([DEATHS, DEATHS_CHECKS], resources=resources, partition_key=str(year),
                                  instance=instance, raise_on_error=False)

        for year in (2019, 2020, 2021):
            _register(landing, year, 1000)
            assert load(year).success
        _register(landing, 2020, 650)  # -35 %: a warning, the run goes on
        result = load(2020)
        passed, severity, metadata = _evaluations(result)["deaths_volume_vs_previous_delivery"]
        assert result.success and not passed and severity == dg.AssetCheckSeverity.WARN
        assert metadata["reference_rows"].value == 1000 and metadata["grade"].value == "warn"
        assert metadata["check_type"].value == "volume_change_vs_previous_delivery"
        passed, severity, _ = _evaluations(result)["deaths_volume_vs_neighbour_years"]
        assert not passed and severity == dg.AssetCheckSeverity.WARN

        _register(landing, 2020, 10)  # -98 % against the previous delivery: blocking failure
        result = load(2020)
        passed, severity, metadata = _evaluations(result)["deaths_volume_vs_previous_delivery"]
        assert not result.success and not passed and severity == dg.AssetCheckSeverity.ERROR
        assert metadata["reference_rows"].value == 650 and "2020" in metadata["sample"].value
        # Each year keeps its own result: 2019's stays green.
        history = instance.event_log_storage.get_asset_check_execution_history(
            dg.AssetCheckKey(DEATHS.key, "deaths_volume_vs_previous_delivery"), limit=100)
        assert {r.partition for r in history} == {"2019", "2020", "2021"}


def _move_deaths_to(path, year_from, year_to):
    """Fault: a re-delivered file whose dates of death say another year (positions 155-158)."""
    lines = path.read_bytes().split(b"\n")
    moved = [line[:154] + str(year_to).encode() + line[158:] if line[154:158] == str(year_from).encode() else line
             for line in lines]
    path.write_bytes(b"\n".join(moved))


def test_deaths_moved_out_of_a_year_by_a_redelivery_stop_the_run(landing):
    write_deaths(landing, [2019, 2020, 2021])
    chu_run("--sources", "deaths")
    data = landing.parent
    before = table(data, "gold", "fact_deces").group_by("year").len().sort("year")
    _move_deaths_to(landing / "deces" / "deces-2021.txt", 2021, 2020)
    result = CliRunner().invoke(cli, ["run", "--sources", "deaths"], catch_exceptions=False)
    assert result.exit_code == 1, result.output
    assert "fact_deces:fact_deces_volume_vs_previous_delivery" in result.output
    gold = check_results(["gold", "fact_deces"], "fact_deces_volume_vs_previous_delivery")
    assert gold["2021"] is False and gold["2019"] is True
    # Downstream of the failed year stayed on the last good answer.
    agg = table(data, "gold", "agg_deaths_by_region")
    assert agg.filter(pl.col("year") == 2021)["deaths"].sum() == before.filter(pl.col("year") == 2021)["len"][0]
