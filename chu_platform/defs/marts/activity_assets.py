"""Marts of hospital activity beyond the eight analyses (``marts/activity.py``): length of
stay, 30-day readmissions, daily census, medication use; recomputed from gold when it changes."""

import dagster as dg
import polars as pl

from chu_platform.defs.metadata import row_metadata
from chu_platform.defs.marts.automation import FOLLOW_ANY_YEAR
from chu_platform.defs.marts.checks import secrecy_applied
from chu_platform.defs.resources import ChuSettings
from chu_platform.defs.table_checks import table_checks, unique_key
from chu_platform.lib.markdown import markdown_table
from chu_platform.layers.marts import activity, analyses
from chu_platform.layers.marts.secrecy import masked_rows, records


def indicator_asset(name: str) -> dg.AssetsDefinition:
    indicator = activity.get(name)

    @dg.asset(
        key=["marts", name], group_name="marts", kinds={"polars", "delta"},
        deps=[dg.AssetKey(["gold", t]) for t in indicator.reads],
        automation_condition=FOLLOW_ANY_YEAR,
        description=(f"{indicator.grain}. {indicator.title}: {indicator.definition}. Counts of 1 to 9 "
                     "and figures computed from them are null with masked = true (statistical secrecy)."),
    )
    def mart(context: dg.AssetExecutionContext, settings: ChuSettings) -> pl.DataFrame:
        df = activity.published(analyses.connect_gold(settings.lake, tables=indicator.reads), name)
        latest = df.filter(pl.col("year") == df["year"].max()).head(10) if df.height else df
        context.add_output_metadata({
            **row_metadata(df),
            "years": ", ".join(str(y) for y in df["year"].unique().sort().to_list()),
            "masked_rows": dg.MetadataValue.int(masked_rows(df)),
            "preview": dg.MetadataValue.md(markdown_table(records(latest), rows=None, width=None)
                                           if latest.height else "(no rows)"),
        })
        return df

    return mart


length_of_stay = indicator_asset("length_of_stay")
readmissions_30d = indicator_asset("readmissions_30d")
census = indicator_asset("census")
medication_use = indicator_asset("medication_use")

ACTIVITY_CHECKS = [
    table_checks("marts", name, [secrecy_applied(i.secrecy), unique_key("year", *i.key)])
    for name, i in activity.INDICATORS.items()
]
