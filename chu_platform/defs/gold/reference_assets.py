"""Gold dimensions that need no source: the calendar and the geography."""

from datetime import date

import dagster as dg

from chu_platform.defs.metadata import row_metadata, versioned
from chu_platform.layers.gold.reference_dims import build_dim_date, build_dim_geography
from chu_platform.defs.partitions import FIRST_YEAR


@dg.asset(key=["gold", "dim_date"], group_name="gold", kinds={"polars", "delta"})
def dim_date(context: dg.AssetExecutionContext) -> dg.Output:
    """One row per calendar day from 1970 to the end of next year (date_key YYYYMMDD)."""
    df = build_dim_date(FIRST_YEAR, date.today().year + 1)
    context.add_output_metadata({**row_metadata(df), "first_day": str(df["date"].min()), "last_day": str(df["date"].max())})
    return versioned(df)


@dg.asset(key=["gold", "dim_geography"], group_name="gold", kinds={"polars", "delta"})
def dim_geography(context: dg.AssetExecutionContext) -> dg.Output:
    """One row per département of the 2016 regional map (overseas, abroad and unknown included)."""
    df = build_dim_geography()
    context.add_output_metadata({**row_metadata(df), "regions": df["region_code"].n_unique()})
    return versioned(df)
