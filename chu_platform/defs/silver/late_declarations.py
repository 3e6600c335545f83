"""Late declarations: a register file's deaths of earlier years reach those years.

A year's INSEE file also declares deaths of earlier years (and corrects earlier
declarations). The run that loads the file builds ``silver/deaths`` of the file's year; this
sensor then asks for ``silver/deaths`` — and the gold year it feeds — of every other year the
file's declarations name, where that year has been built already. The marts follow through
``marts_automation``. ``chu run`` builds every year of ``silver/deaths`` after the
declarations itself, so its materialisations are not followed; a backfill builds the years of
its range, so only the other years are requested (a backfill of 2019 loads deaths of 2018).
"""

from __future__ import annotations

from collections.abc import Iterable

import dagster as dg

from chu_platform.defs.tags import RUNNER_TAG


DECLARATIONS = dg.AssetKey(["silver", "death_declarations"])
DEATHS = dg.AssetKey(["silver", "deaths"])
# silver/deaths and what follows it in the same years (gold/fact_deces, its pre-aggregate); the
# marts follow through marts_automation.
TARGET = dg.AssetSelection.assets(DEATHS).downstream().materializable() - dg.AssetSelection.groups("marts", "ops")
BACKFILL_TAG = "dagster/backfill"
PAGE = 100


def built_after(instance: dg.DagsterInstance, run: dg.DagsterRun) -> set[str] | None:
    """The years of silver/deaths that the command which ran ``run`` builds after it: every
    year (None) for ``chu run``, a backfill's target years, none for a sensor's run."""
    if BACKFILL_TAG in run.tags:
        backfill = instance.get_backfill(run.tags[BACKFILL_TAG])
        data = backfill.asset_backfill_data if backfill is not None else None
        if data is None:
            return None
        subset = data.target_subset.partitions_subsets_by_asset_key.get(DEATHS)
        return set(subset.get_partition_keys()) if subset is not None else set()
    return None if RUNNER_TAG in run.tags else set()


def years_to_refresh(death_years: Iterable[int], file_year: int, built: set[str]) -> list[str]:
    """The years of death a file's declarations name, other than the file's own (its run
    builds that one), whose silver/deaths exists."""
    return sorted({str(y) for y in death_years if int(y) != file_year and str(y) in built})


@dg.sensor(name="late_death_declarations", minimum_interval_seconds=30, target=TARGET,
           default_status=dg.DefaultSensorStatus.RUNNING)
def late_death_declarations(context: dg.SensorEvaluationContext) -> dg.SensorResult:
    """Requests silver/deaths (and its gold year) for the earlier years a new register file declares."""
    instance = context.instance
    if context.cursor is None:
        # First evaluation: what is already there was built with every year; follow from now.
        latest = instance.fetch_materializations(DECLARATIONS, limit=1).records
        return dg.SensorResult(cursor=str(latest[0].storage_id) if latest else "0")
    records = instance.fetch_materializations(
        dg.AssetRecordsFilter(DECLARATIONS, after_storage_id=int(context.cursor)), limit=PAGE, ascending=True,
    ).records
    if not records:
        return dg.SensorResult(skip_reason="no new register declarations")
    built = set(instance.get_materialized_partitions(DEATHS))
    wanted: dict[str, tuple[int, str]] = {}
    for record in records:
        run = instance.get_run_by_id(record.run_id)
        covered = built_after(instance, run) if run is not None else None
        if covered is None:
            continue
        years = record.asset_materialization.metadata.get("death_years")
        for year in years_to_refresh(years.value if years else [], int(record.partition_key), built - covered):
            wanted[year] = (record.storage_id, record.partition_key)
    requests = [
        dg.RunRequest(
            run_key=f"late-deaths-{year}-{storage_id}", partition_key=year,
            tags={"chu/late_declarations_from": file_year},
        )
        for year, (storage_id, file_year) in sorted(wanted.items())
    ]
    for request in requests:
        context.log.info(f"register file year {request.tags['chu/late_declarations_from']} declares deaths of "
                         f"{request.partition_key}: refreshing silver/deaths and its gold year")
    return dg.SensorResult(run_requests=requests, cursor=str(records[-1].storage_id))
