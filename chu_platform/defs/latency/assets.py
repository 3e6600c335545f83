"""The query benchmark: response times of the eight analyses, kept as history in ops/query_latency."""

import dagster as dg
import polars as pl

from chu_platform.defs.resources import ChuSettings
from chu_platform.lib import delta_store
from chu_platform.lib.markdown import markdown_table
from chu_platform.layers.marts import analyses
from chu_platform.latency.benchmark import run_benchmark, summary
from chu_platform.latency.chart import draw
from chu_platform.latency.layouts import LAYOUTS, REFERENCE
from chu_platform.defs.tags import ON_DEMAND_TAG

GOLD_READ = sorted({table for analysis in analyses.ANALYSES.values() for table in analysis.tables})


class QueryBenchmarkConfig(dg.Config):
    repetitions: int = 10
    layouts: list[str] = list(LAYOUTS)
    year: int | None = None
    fragments: int = 16


@dg.asset(
    key=["ops", "query_benchmark"],
    group_name="ops",
    deps=[dg.AssetKey(["gold", table]) for table in GOLD_READ],
    kinds={"duckdb", "delta"},
    # Minutes of timing runs, not data: to be asked for, never swept along by a pipeline run.
    tags={ON_DEMAND_TAG: "true"},
)
def query_benchmark(
    context: dg.AssetExecutionContext, config: QueryBenchmarkConfig, settings: ChuSettings
) -> dg.MaterializeResult:
    """One row per analysis per physical layout per run, appended to ops/query_latency: cold,
    min, p50 and p95 latency, rows scanned, bytes read, layout and code version; the
    ``served`` layout is what chu query answers (the gold/agg_* pre-aggregates while current).

    Each analysis runs against current gold and against copies of the same rows in other
    layouts (built under <data_dir>/ops/layouts, never touching gold); a layout whose answer
    differs from gold's fails the run.
    """
    scratch = settings.data_path / "ops" / "layouts"
    try:
        result = run_benchmark(
            settings.lake, scratch, config.layouts, config.repetitions, config.year, config.fragments, context.log.info
        )
    except (FileNotFoundError, analyses.AnalysisError) as exc:
        # Nothing to time yet: a pipeline run that sweeps this asset along must not fail for it.
        context.log.warning(f"query benchmark not run: {exc}")
        return dg.MaterializeResult(metadata={"skipped": str(exc)})
    written = delta_store.append(result.rows, settings.table_uri("ops", "query_latency"))
    table = summary(result.rows)
    chart = draw(
        result.rows,
        settings.data_path / "ops" / "query_latency.png",
        f"Eight analyses, period {result.period}, {config.repetitions} warm runs each",
    )
    gold_rows = result.rows.filter(pl.col("layout") == REFERENCE) if REFERENCE in config.layouts else result.rows
    metadata: dict[str, dg.RawMetadataValue] = {
        f"p50_ms/{row['query']}": dg.MetadataValue.float(round(row["p50_ms"], 3))
        for row in gold_rows.unique("query", keep="first", maintain_order=True).iter_rows(named=True)
    }
    # What chu query answers (pre-aggregates when current), plotted beside gold's fact path.
    metadata |= {
        f"p50_ms_served/{row['query']}": dg.MetadataValue.float(round(row["p50_ms"], 3))
        for row in result.rows.filter(pl.col("layout") == "served").iter_rows(named=True)
    }
    geo = table.filter(pl.col("query") == "geo-mean").row(0, named=True)
    metadata |= {f"geo_mean_p50_ms/{layout}": dg.MetadataValue.float(round(geo[layout], 3)) for layout in table.columns[1:]}
    metadata |= {
        "period": str(result.period),
        "run_id": result.rows["run_id"][0],
        "code_version": result.rows["code_version"][0],
        "rows_appended": dg.MetadataValue.int(written.rows),
        "delta_version": dg.MetadataValue.int(written.version),
        "table_uri": dg.MetadataValue.path(written.uri),
        "layouts_rebuilt": ", ".join(result.rebuilt) or "none (gold unchanged)",
        "chart": dg.MetadataValue.path(str(chart)),
        "p50_ms_by_layout": dg.MetadataValue.md(markdown_table(table, rows=None, decimals=1)),
    }
    return dg.MaterializeResult(metadata=metadata)
