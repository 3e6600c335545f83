"""Gold pre-aggregates: per year, the exact counts each analysis answers from while they match gold."""

import dagster as dg
import polars as pl

from chu_platform.defs.metadata import partition_label, table_metadata
from chu_platform.defs.resources import ChuSettings
from chu_platform.layers.marts import aggregates, analyses, snapshot
from chu_platform.layers.marts.publication import published_aggregate
from chu_platform.layers.marts.refresh import build_year
from chu_platform.defs.partitions import BY_SOURCE, policy


# The years whose facts changed, and every year when a dimension it reads changed content: a
# dimension rebuilt identical (every build rebuilds the dimensions) changes nothing, so a
# backfill or a sensor load of some years refreshes those years' aggregates once, in its own
# runs, and the automation asks for nothing more. Dimensions carry their content as data
# version (``defs/metadata.versioned``); a fact's data version changes at each write.
FOLLOW_GOLD = (
    dg.AutomationCondition.any_deps_match(dg.AutomationCondition.data_version_changed()).since_last_handled()
    & ~dg.AutomationCondition.any_deps_missing()
    & ~dg.AutomationCondition.any_deps_in_progress()
    & ~dg.AutomationCondition.in_progress()
).with_label("gold it reads changed")


def aggregate_key(aggregate: aggregates.Aggregate) -> dg.AssetKey:
    return dg.AssetKey(["gold", aggregate.table])


def aggregate_out(aggregate: aggregates.Aggregate) -> dg.AssetOut:
    analysis = analyses.get(aggregate.analysis)
    return dg.AssetOut(
        key=aggregate_key(aggregate),
        group_name="gold",
        kinds={"duckdb", "delta"},
        automation_condition=FOLLOW_GOLD,
        is_required=False,
        # The IO manager replaces the whole table when the aggregate's columns changed with the
        # code: its other years are stale anyway (the SQL is part of their fingerprint).
        metadata={"on_schema_change": "replace_table"},
        description=(
            f"{aggregate.grain}: the exact (unmasked) counts of {analysis.title.lower()}, with "
            "the fingerprint of the gold files they come from; chu query and the marts answer "
            "from it for whole calendar years while that fingerprint matches current gold."
        ),
    )


# One step builds the aggregates of a partitioning rather than one asset each: a step of its
# own cost each aggregate Dagster's per-step events, a gold connection with its snapshot and the
# copy of the dimensions it reads into memory, which together took longer than most queries.
# can_subset: a run (a backfill, the drop sensor's follow-on, the automation sensor) builds only
# the aggregates it selects, e.g. the deaths one alone with gold/fact_deces.
# The step key keeps the <layer>__ prefix by which the pipeline benchmark sums step time per layer.
# Each aggregate takes the partitioning of the facts it reads, so that a range run builds the
# facts and their aggregates together; it computes any range of years, one after the other.
def build_aggregates_asset(name: str, partitions_def: dg.PartitionsDefinition,
                           members: list[aggregates.Aggregate]) -> dg.AssetsDefinition:
    @dg.multi_asset(
        name=name,
        outs={a.table: aggregate_out(a) for a in members},
        deps=[dg.AssetKey(["gold", table]) for table in sorted({t for a in members for t in a.reads})],
        internal_asset_deps={a.table: {dg.AssetKey(["gold", t]) for t in a.reads} for a in members},
        partitions_def=partitions_def,
        can_subset=True,
        backfill_policy=policy(partitions_def),
    )
    def _aggregates(context: dg.AssetExecutionContext, settings: ChuSettings):
        yield from compute_aggregates(context, settings, members)

    return _aggregates


def compute_aggregates(context: dg.AssetExecutionContext, settings: ChuSettings, members: list[aggregates.Aggregate]):
    years = [int(key) for key in context.partition_keys]
    label = partition_label(years)
    selected = [a for a in members if aggregate_key(a) in context.selected_asset_keys]
    # Only what the selected aggregates' SQL names, each read at most a few times.
    reads = sorted({t for a in selected for t in analyses.get(a.analysis).tables})
    con = analyses.connect_gold(settings.lake, tables=reads, copy_small=False)
    state = snapshot.of(con)
    ready = []
    for aggregate in selected:
        missing = ", ".join(f"gold/{t}" for t in aggregates.not_built(state, aggregate))
        if not missing:
            ready.append(aggregate)
            continue
        context.log.warning(f"gold/{aggregate.table} [{label}] not computed: {missing} not built yet")
        yield dg.Output(None, output_name=aggregate.table, metadata={"skipped": f"{missing} not built yet"})
    errors: dict[str, Exception] = {}
    computed: dict[str, list[pl.DataFrame]] = {a.table: [] for a in ready}
    for year in years:
        for aggregate, built in build_year(con, state, ready, year):
            if isinstance(built, Exception):
                # As when each aggregate was its own step: one that fails leaves the others built
                # (the run still fails, and names it).
                context.log.error(f"gold/{aggregate.table} [{year}] failed: {built!r}")
                errors.setdefault(aggregate.table, built)
                continue
            computed[aggregate.table].append(built)
            if year != years[-1] or aggregate.table in errors:
                continue
            # One output per aggregate for the run's years, handed to the IO manager (which
            # replaces those years) as soon as the last is computed.
            frames = computed[aggregate.table]
            whole = pl.concat(frames, how="diagonal_relaxed") if len(frames) > 1 else built
            # The UI shows each year's preview to anyone who opens it: the cells as the mart
            # publishes them. Secrecy is applied to the run's years at once (its groups never
            # cross a year): the same cells as year by year, in one pass.
            shown = published_aggregate(whole, aggregate.analysis)
            for each_year, frame in zip(years, frames):
                context.add_asset_metadata(table_metadata(
                    shown.filter(pl.col("year") == each_year), partition=str(each_year),
                    inputs_fingerprint=frame[aggregates.INPUTS][0] if frame.height else "",
                ), asset_key=aggregate_key(aggregate), partition_key=str(each_year))
            yield dg.Output(whole, output_name=aggregate.table, metadata={
                "years": label, "computed_from": ", ".join(f"gold/{t}" for t in aggregate.reads)})
    if errors:
        failed = ", ".join(f"gold/{table}" for table in errors)
        raise dg.Failure(f"{failed} [{label}] not computed (see the errors above)") from next(iter(errors.values()))


def _partitioning(aggregate: aggregates.Aggregate) -> str:
    return "deaths" if "fact_deces" in aggregate.reads else "care"


AGGREGATE_ASSETS = [
    build_aggregates_asset(f"gold__aggregates_{family}", BY_SOURCE[family],
                           [a for a in aggregates.AGGREGATES.values() if _partitioning(a) == family])
    for family in ("care", "deaths")
]
# The partitioning of each aggregate table, for its checks.
AGGREGATE_PARTITIONS = {a.table: BY_SOURCE[_partitioning(a)] for a in aggregates.AGGREGATES.values()}
