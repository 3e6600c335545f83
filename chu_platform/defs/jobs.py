"""The build jobs: a build from the sources to the published marts is four Dagster runs, one per
job below, each over a range of years; the UI launches the same jobs (Jobs → a job → Materialize,
or Backfill for years), and ``chu run`` runs them in this order (``chu_platform/orchestration/build_target.py``).

Why four run boundaries (docs/operations.md, "Run boundaries"):
- a Dagster run holds one partitions definition: the deaths register (from 1970) is a run of
  its own, bronze to its aggregate;
- a failure stops at a gold dimension: a bad establishments or e-Satis file costs its own
  source's assets, not every fact naming an establishment. Inside a run Dagster skips what is
  downstream of a failed step, so the sources' loads (bronze, silver) and gold are two runs:
  gold runs on what silver holds, the facts of a failed source left out;
- the marts, the warehouses and the dashboard read every year of both partitionings.
"""

import dagster as dg

from chu_platform.defs.partitions import care_years, deaths_years

LOAD, DEATHS, GOLD, PUBLISH = "load_sources", "build_deaths", "build_gold", "publish"

# Gold tables that need no source (the calendar, the geography): built with the loads, since
# the deaths aggregate and every gold run read them.
REFERENCE_KEYS = (dg.AssetKey(["gold", "dim_date"]), dg.AssetKey(["gold", "dim_geography"]))


def _partitioned_by(graph, partitions_def) -> dg.AssetSelection:
    keys = [k for k in graph.get_all_asset_keys()
            if graph.get(k).is_materializable and graph.get(k).partitions_def == partitions_def]
    return dg.AssetSelection.assets(*keys)


def selections(graph) -> dict[str, dg.AssetSelection]:
    """Each job's assets, in the order a build runs them."""
    deaths = _partitioned_by(graph, deaths_years)
    references = dg.AssetSelection.assets(*(k for k in REFERENCE_KEYS if graph.has(k)))
    return {
        LOAD: dg.AssetSelection.key_prefixes(["raw"], ["bronze"], ["silver"]) - deaths | references,
        DEATHS: deaths,
        GOLD: dg.AssetSelection.key_prefixes(["gold"]) - deaths - references,
        PUBLISH: dg.AssetSelection.key_prefixes(["marts"], ["ops"]),
    }


PARTITIONS = {LOAD: care_years, DEATHS: deaths_years, GOLD: care_years, PUBLISH: None}
DESCRIPTIONS = {
    LOAD: "The sources' loads: bronze and silver of every source but the deaths register, and the gold reference tables.",
    DEATHS: "The deaths register from bronze to its gold fact and pre-aggregate.",
    GOLD: "Gold dimensions, facts and pre-aggregates of the care database, hospitalisations and e-Satis.",
    PUBLISH: "The marts, both DuckDB warehouses, the dashboard (and the query benchmark when asked).",
}


def build_jobs(graph) -> list:
    return [dg.define_asset_job(name, selection=selection, partitions_def=PARTITIONS[name],
                                description=DESCRIPTIONS[name], tags={"chu/job": name})
            for name, selection in selections(graph).items()]


# The query benchmark (ops/query_benchmark): minutes of timing runs, asked for by `chu demo`,
# `chu bench`'s asset twin or the UI, never part of a build; a job of its own so that its runs
# carry its name in the UI rather than Dagster's `__ephemeral_asset_job__`.
BENCHMARK = "benchmark_queries"
BENCHMARK_KEY = dg.AssetKey(["ops", "query_benchmark"])


def benchmark_job():
    return dg.define_asset_job(
        BENCHMARK, selection=dg.AssetSelection.assets(BENCHMARK_KEY), tags={"chu/job": BENCHMARK},
        description="Response times of the eight analyses against gold in every physical layout (ops/query_benchmark).")
