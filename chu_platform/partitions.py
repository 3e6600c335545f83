"""The platform's partitionings: calendar years (``fmt="%Y"``), one definition per source
family, so that each asset offers only the years its source can have and the UI shows no
decades of partitions that can never hold data.

First years, from the sources themselves (``/work/shared/real_samples``, DESIGN.md):
- deaths: 1970, the first year of INSEE's register of deceased persons (``deces-1970``);
- care database and hospitalisations: 2015, the first year of the CHU's information system
  extract (the real ``Hospitalisations.csv`` starts 2015-06-21);
- satisfaction: 2016, the first national e-Satis 48h MCO survey (earlier HAS files are other
  indicators, kept in raw without loading).
Every definition ends with the current year (``end_offset=1``: the year in progress is a
partition, filled as its files arrive).
"""

import warnings

import dagster as dg

# The widest span: gold pre-aggregates (they read every family) and the date dimension.
FIRST_YEAR = 1970

FIRST_YEARS: dict[str, int] = {"deaths": 1970, "care": 2015, "hospitalisations": 2015, "satisfaction": 2016}


def _years_from(first: int) -> dg.TimeWindowPartitionsDefinition:
    return dg.TimeWindowPartitionsDefinition(cron_schedule="0 0 1 1 *", start=str(first), fmt="%Y", end_offset=1)


yearly_partitions = _years_from(FIRST_YEAR)
deaths_years = _years_from(FIRST_YEARS["deaths"])
care_years = _years_from(FIRST_YEARS["care"])
hospitalisation_years = _years_from(FIRST_YEARS["hospitalisations"])
satisfaction_years = _years_from(FIRST_YEARS["satisfaction"])

# A year of a wider asset (a pre-aggregate) reads the same year of a narrower one, which may not exist.
with warnings.catch_warnings():
    warnings.simplefilter("ignore", dg.BetaWarning)  # the parameter is beta; printed at every load otherwise
    SAME_YEAR_IF_ANY = dg.TimeWindowPartitionMapping(allow_nonexistent_upstream_partitions=True)

# A source's partitioning, by the ``chu/source`` tag of its bronze assets.
BY_SOURCE: dict[str, dg.TimeWindowPartitionsDefinition] = {
    "deaths": deaths_years, "care": care_years, "hospitalisations": hospitalisation_years,
    "satisfaction": satisfaction_years,
}


def years_of(partitions_def: dg.PartitionsDefinition | None) -> set[int]:
    """The years a partitioned asset offers (empty for an unpartitioned one)."""
    if partitions_def is None:
        return set()
    return {int(key) for key in partitions_def.get_partition_keys()}
