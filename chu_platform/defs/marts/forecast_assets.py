"""The activity forecast and its backtest (``marts/forecast.py``), refreshed when the facts change."""

import dagster as dg
import polars as pl

from chu_platform.defs.metadata import row_metadata
from chu_platform.defs.marts.automation import FOLLOW_ANY_YEAR
from chu_platform.defs.resources import ChuSettings
from chu_platform.lib import delta_store
from chu_platform.lib.markdown import markdown_table
from chu_platform.layers.marts import analyses, forecast
from chu_platform.layers.marts.secrecy import masked_rows, publish

FORECAST_KEY = dg.AssetKey(["marts", "activity_forecast"])
BACKTEST_KEY = dg.AssetKey(["marts", "forecast_backtest"])


@dg.multi_asset(
    name="marts__activity_forecast",
    group_name="marts",
    outs={
        "activity_forecast": dg.AssetOut(
            key=FORECAST_KEY, kinds={"polars", "delta"}, automation_condition=FOLLOW_ANY_YEAR,
            description="One row per measure (stays, consultations), series (establishment FINESS, or the group) "
                        "and month of the next 12: the forecast and its 80 % and 95 % intervals; a forecast of "
                        "1 to 9 reads \"<10\" (statistical secrecy)."),
        "forecast_backtest": dg.AssetOut(
            key=BACKTEST_KEY, kinds={"polars", "delta"}, automation_condition=FOLLOW_ANY_YEAR,
            description="One row per measure and series: backtest over the last 24 months (two 12-month folds), "
                        "MASE of the model and of seasonal naive, coverage of the 80 % and 95 % intervals."),
    },
    deps=[dg.AssetKey(["gold", t]) for t in forecast.READS],
)
def activity_forecast(context: dg.AssetExecutionContext, settings: ChuSettings):
    monthly = forecast.load_monthly(analyses.connect_gold(settings.lake, tables=forecast.READS))
    predicted, scores = forecast.forecast_all(monthly, forecast.MODEL)
    shown = publish(predicted, forecast.SECRECY)
    group = scores.filter(pl.col("series") == forecast.GROUP)
    yield dg.Output(shown, "activity_forecast", metadata={
        **row_metadata(shown),
        "series": dg.MetadataValue.int(shown.select("measure", "series").unique().height),
        "masked_rows": dg.MetadataValue.int(masked_rows(shown)),
        "last_month_of_history": str(monthly["month"].max()) if monthly.height else "none",
    })
    yield dg.Output(scores, "forecast_backtest", metadata={
        **row_metadata(scores),
        "group": dg.MetadataValue.md(markdown_table(group, rows=None, decimals=3, width=None) if group.height else "none"),
        "median_mase": float(scores["mase"].median() or 0.0) if scores.height else 0.0,
        "median_mase_seasonal_naive": float(scores["mase_seasonal_naive"].median() or 0.0) if scores.height else 0.0,
    })


@dg.asset_check(asset=BACKTEST_KEY, blocking=True,
                description="On the group series (stays and consultations) the model's backtest MASE is no worse "
                            "than seasonal naive's: a forecast that loses to 'same month last year' is not served.")
def forecast_beats_seasonal_naive(settings: ChuSettings) -> dg.AssetCheckResult:
    scores = delta_store.read(settings.table_uri(*BACKTEST_KEY.path))
    worse = forecast.worse_than_baseline(scores)
    compared = scores.filter(pl.col("series") == forecast.GROUP)["measure"].to_list()
    return dg.AssetCheckResult(passed=worse.is_empty(), metadata={
        # Fewer than 48 months of history: no backtest yet, nothing to compare (said, not failed).
        "group_series_compared": ", ".join(sorted(compared)) or "none (history shorter than 48 months)",
        "failing_series": dg.MetadataValue.int(worse.height),
        "sample": dg.MetadataValue.md(markdown_table(worse, rows=None, decimals=3, width=None) if worse.height else "none"),
    })
