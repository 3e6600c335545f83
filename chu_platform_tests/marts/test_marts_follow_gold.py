"""The marts refresh after a year of gold changes, although most year partitions never hold data."""

import dagster as dg

from chu_platform.defs.marts import assets as mart_assets
from chu_platform.defs.resources import ChuSettings
from chu_platform.layers.marts import aggregates, analyses
from chu_platform.defs.partitions import yearly_partitions


def test_a_new_year_of_gold_requests_the_mart_once(tmp_path):
    instance = dg.DagsterInstance.ephemeral()
    mart = mart_assets.deaths_by_region
    reads = [*analyses.get("deaths_by_region").tables, aggregates.AGGREGATES["deaths_by_region"].table]
    upstream = [
        dg.AssetSpec(["gold", t], partitions_def=yearly_partitions if t.startswith(("fact_", "agg_")) else None)
        for t in reads
    ]
    settings = ChuSettings(data_dir=str(tmp_path), landing_dir=str(tmp_path / "landing"))
    defs = dg.Definitions(assets=[mart, *upstream], resources={"settings": settings})

    def materialised(key, partition=None):
        instance.report_runless_asset_event(dg.AssetMaterialization(asset_key=key, partition=partition))

    for spec in upstream:
        for year in (["2019", "2020"] if spec.partitions_def else [None]):
            materialised(spec.key, year)
    materialised(mart.key)
    first = dg.evaluate_automation_conditions(defs=defs, instance=instance)
    assert first.total_requested == 0  # the first tick only takes stock

    # A new year file went through gold; 1970-2018 and 2026 never held data: the mart follows.
    materialised(["gold", "agg_deaths_by_region"], "2025")
    after = dg.evaluate_automation_conditions(defs=defs, instance=instance, cursor=first.cursor)
    assert after.total_requested == 1 and after.get_requested_partitions(mart.key) == {None}
    materialised(mart.key)
    handled = dg.evaluate_automation_conditions(defs=defs, instance=instance, cursor=after.cursor)
    assert handled.total_requested == 0
