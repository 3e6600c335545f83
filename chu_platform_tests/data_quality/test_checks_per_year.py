"""A known, accepted defect (stays without a usable admission date, which belong to no year) is
reported once, on the delivered file, not once per year of silver."""

import dagster as dg

from chu_platform.defs.bronze.checks import BRONZE_CHECKS, EVERY_STAY_PLACED
from chu_platform.defs.resources import ChuSettings
from chu_platform.defs.table_checks import CheckData
from chu_platform_tests.gold import pipeline
from chu_platform_tests.silver import bronze_frames as bf

HOSPITALISATIONS = dg.AssetKey(["bronze", "hospitalisations"])


def test_stays_without_a_year_are_reported_once_on_the_file(tmp_path):
    pipeline.write_bronze(tmp_path, {"hospitalisations": bf.hospitalisations()})  # one stay dated 31/02/2019
    for year in ("2019", "2020"):
        result = pipeline.materialize(tmp_path, [["silver", "hospitalisations"]], year)
        assert result.success
        assert {e.check_name for e in result.get_asset_check_evaluations()} == {"hospitalisations_contract"}
        assert {e.partition for e in result.get_asset_check_evaluations()} == {year}
    settings = ChuSettings(data_dir=str(tmp_path), landing_dir=str(tmp_path / "landing"))
    passed, metadata = EVERY_STAY_PLACED.evaluate(CheckData(settings, HOSPITALISATIONS, None))
    assert not passed and metadata["stays_without_year"].value == 1
    (checks,) = [c for c in BRONZE_CHECKS if HOSPITALISATIONS in {k.asset_key for k in c.check_keys}]
    spec = next(s for s in checks.check_specs if s.name == "hospitalisations_every_stay_placed")
    assert spec.partitions_def is None  # evaluated once per load of the file, whatever the years
