"""One mart per analysis, recomputed from gold whenever gold changes."""

import dagster as dg
import polars as pl

from chu_platform.defs.metadata import row_metadata
from chu_platform.defs.marts.automation import FOLLOW_ANY_YEAR
from chu_platform.defs.resources import ChuSettings
from chu_platform.layers.marts import aggregates, analyses
from chu_platform.layers.marts.build import build_mart, preview_markdown
from chu_platform.layers.marts.secrecy import masked_rows


def mart_asset(name: str) -> dg.AssetsDefinition:
    analysis = analyses.get(name)

    @dg.asset(
        key=["marts", name],
        group_name="marts",
        deps=[dg.AssetKey(["gold", table]) for table in (*analysis.tables, aggregates.AGGREGATES[name].table)],
        kinds={"duckdb", "delta"},
        automation_condition=FOLLOW_ANY_YEAR,
        description=(
            f"{aggregates.AGGREGATES[name].grain}: {analysis.title.lower()} = {analysis.numerator} / {analysis.denominator}, "
            "over each calendar year present in gold. A withheld cell is null, with masked = true and "
            "secret_<column> = '<10' (a count of 1 to 9 or a figure computed from one) or 's' "
            "(withheld so that none can be recovered by subtraction): statistical secrecy."
        ),
    )
    def mart(context: dg.AssetExecutionContext, settings: ChuSettings) -> pl.DataFrame:
        # Only the gold tables the analysis reads, as `chu query NAME` opens them (on an object
        # store each table opened is a listing and a read of its log).
        df = build_mart(analyses.connect_gold(settings.lake, tables=analyses.tables_read(name)), name)
        context.add_output_metadata(
            {
                **row_metadata(df),
                "years": ", ".join(str(y) for y in df["year"].unique().sort().to_list()),
                "masked_rows": dg.MetadataValue.int(masked_rows(df)),
                "preview": dg.MetadataValue.md(preview_markdown(df, name)),
            }
        )
        return df

    return mart


consultations_by_establishment = mart_asset("consultations_by_establishment")
consultations_by_diagnosis = mart_asset("consultations_by_diagnosis")
hospitalisation_rate = mart_asset("hospitalisation_rate")
hospitalisations_by_diagnosis = mart_asset("hospitalisations_by_diagnosis")
hospitalisations_by_sex_age = mart_asset("hospitalisations_by_sex_age")
consultations_by_professional = mart_asset("consultations_by_professional")
deaths_by_region = mart_asset("deaths_by_region")
satisfaction_by_region = mart_asset("satisfaction_by_region")
