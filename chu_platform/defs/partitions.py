"""The platform's partitionings: calendar years (keys ``"1970"`` ...), a definition of its own only
where a source really differs, because a Dagster run holds one partitions definition and every
extra definition splits a build into more runs (docs/operations.md, "Run boundaries").

- ``deaths_years`` from 1970, the first year of INSEE's register of deceased persons
  (``deces-1970``): the deaths register, its silver and gold tables and their aggregate;
- ``care_years`` from 2015, the first year of the CHU's information system extract (the real
  ``Hospitalisations.csv`` starts 2015-06-21): the care database, the hospitalisations file
  and the HAS e-Satis results (first national e-Satis 48h MCO survey: 2016 — its 2015
  partition is never requested, since no file holds it), their facts and aggregates.

Every definition ends with the current year (the year in progress is a partition, filled as
its files arrive). A year without a file is never requested: the
target of a build (``chu_platform/orchestration/build_target.py``) holds only the years the sources hold.
"""

import warnings

import dagster as dg

from chu_platform.schemas.years import FIRST_YEAR, FIRST_YEARS, current_year


def _years_from(first: int) -> dg.StaticPartitionsDefinition:
    """The years ``first`` .. the year in progress, as Dagster partition keys ``"1970"`` ...

    A list of keys, not a yearly ``TimeWindowPartitionsDefinition``: Dagster computes the time
    windows of a cron schedule with a fast path for hourly to monthly schedules only, and with
    croniter for a yearly one, in every backfill iteration, automation tick and range run (a
    third of the backfill daemon's CPU in a scale-0.05 build, docs/benchmarks.md "Session 18").
    A year has nothing a time window adds: its key is the year. A code location loaded in a new
    year offers that year (as the time windows' ``end_offset=1`` did)."""
    return dg.StaticPartitionsDefinition([str(year) for year in range(first, current_year() + 1)])


yearly_partitions = _years_from(FIRST_YEAR)
deaths_years = yearly_partitions
care_years = _years_from(FIRST_YEARS["care"])

# A source's partitioning, by the ``chu/source`` tag of its bronze assets.
BY_SOURCE: dict[str, dg.StaticPartitionsDefinition] = {
    "deaths": deaths_years, "care": care_years, "hospitalisations": care_years, "satisfaction": care_years,
}

# Every year-partitioned asset computes any set of its years in one step: a backfill of ten
# years is one run per partitioning, not ten (docs/operations.md, "Range runs").
RANGE = dg.BackfillPolicy.single_run()
# The deaths register's years, five per run: its chain (1.1 GB of register for 2015-2024 at
# scale 1, an HMAC per line) was a backfill's longest, on one core while the other idled; two
# runs of five years share both cores (scale-1 backfill 154.1 s -> 145.2 s, docs/benchmarks.md
# "Session 11") and each holds half the register in memory.
DEATHS_RANGE = dg.BackfillPolicy.multi_run(5)


def policy(partitions_def: dg.PartitionsDefinition) -> dg.BackfillPolicy:
    """The backfill policy of an asset of this partitioning."""
    return DEATHS_RANGE if partitions_def == deaths_years else RANGE


def asset(partitions_def: dg.PartitionsDefinition | None = None, backfill_policy: dg.BackfillPolicy | None = None,
          **kwargs):
    """``dg.asset``, with ``backfill_policy`` if given, else its partitioning's range policy when
    the asset is year-partitioned. (``backfill_policy`` is a beta parameter of ``dg.asset`` in
    Dagster 1.13: its warning, printed at every load of the definitions, is silenced here, for a
    choice made once.)"""
    chosen = backfill_policy or (policy(partitions_def) if partitions_def is not None else None)
    if chosen is None:
        return dg.asset(**kwargs)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", dg.BetaWarning)
        return dg.asset(partitions_def=partitions_def, backfill_policy=chosen, **kwargs)


def years_of(partitions_def: dg.PartitionsDefinition | None) -> set[int]:
    """The years a partitioned asset offers (empty for an unpartitioned one)."""
    if partitions_def is None:
        return set()
    return {int(key) for key in partitions_def.get_partition_keys()}
