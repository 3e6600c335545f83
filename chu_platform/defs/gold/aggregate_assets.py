"""Gold pre-aggregates: per year, the exact counts each analysis answers from while they match gold."""

import dagster as dg

from chu_platform.defs.resources import ChuSettings
from chu_platform.defs.silver.metadata import table_metadata
from chu_platform.marts import aggregates, analyses, snapshot
from chu_platform.marts.refresh import store
from chu_platform.partitions import yearly_partitions


# Every year whose facts or dimensions changed, not only the latest one (which is all that
# eager() considers for time partitions): a rebuilt dimension makes every year of the
# aggregates reading it stale. Years without facts are never requested. Until a year is
# recomputed, run_analysis sees the fingerprint mismatch and answers from the facts.
FOLLOW_GOLD = (
    dg.AutomationCondition.any_deps_updated().since_last_handled()
    & ~dg.AutomationCondition.any_deps_missing()
    & ~dg.AutomationCondition.any_deps_in_progress()
    & ~dg.AutomationCondition.in_progress()
).with_label("gold it reads updated")


def aggregate_asset(name: str) -> dg.AssetsDefinition:
    aggregate = aggregates.AGGREGATES[name]
    analysis = analyses.get(name)
    inputs = (*aggregate.per_year, *aggregate.whole)

    @dg.asset(
        key=["gold", aggregate.table],
        group_name="gold",
        kinds={"duckdb", "delta"},
        partitions_def=yearly_partitions,
        deps=[dg.AssetKey(["gold", table]) for table in inputs],
        automation_condition=FOLLOW_GOLD,
        description=(
            f"{aggregate.grain}: the exact (unmasked) counts of {analysis.title.lower()}, with "
            "the fingerprint of the gold files they come from; chu query and the marts answer "
            "from it for whole calendar years while that fingerprint matches current gold."
        ),
    )
    def aggregate_table(context: dg.AssetExecutionContext, settings: ChuSettings) -> dg.MaterializeResult:
        year = int(context.partition_key)
        con = analyses.connect_gold(settings.lake)
        state = snapshot.of(con)
        missing = [f"gold/{t}" for t in inputs if t not in state.tables]
        if missing:
            context.log.warning(f"gold/{aggregate.table} [{year}] not computed: {', '.join(missing)} not built yet")
            return dg.MaterializeResult(metadata={"skipped": f"{', '.join(missing)} not built yet"})
        df = aggregates.compute(con, state, name, year)
        written = store(df, settings.table_uri("gold", aggregate.table), year)
        return dg.MaterializeResult(metadata=table_metadata(
            df.drop(aggregates.INPUTS), partition=str(year), row_count=written.rows,
            delta_version=written.version, table_uri=dg.MetadataValue.path(written.uri),
            computed_from=", ".join(f"gold/{t}" for t in inputs),
            inputs_fingerprint=df[aggregates.INPUTS][0] if df.height else "",
        ))

    return aggregate_table


agg_consultations_by_establishment = aggregate_asset("consultations_by_establishment")
agg_consultations_by_diagnosis = aggregate_asset("consultations_by_diagnosis")
agg_hospitalisation_rate = aggregate_asset("hospitalisation_rate")
agg_hospitalisations_by_diagnosis = aggregate_asset("hospitalisations_by_diagnosis")
agg_hospitalisations_by_sex_age = aggregate_asset("hospitalisations_by_sex_age")
agg_consultations_by_professional = aggregate_asset("consultations_by_professional")
agg_deaths_by_region = aggregate_asset("deaths_by_region")
agg_satisfaction_by_region = aggregate_asset("satisfaction_by_region")
