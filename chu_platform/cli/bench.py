"""``chu bench``: time the eight analyses on gold in every physical layout, keep the history."""

from __future__ import annotations

import os
from pathlib import Path

import click

from chu_platform.lib import delta_store
from chu_platform.lib.markdown import markdown_table
from chu_platform.latency.benchmark import run_benchmark, summary
from chu_platform.latency.chart import draw
from chu_platform.latency.compare import AnswerMismatch
from chu_platform.latency.layouts import LAYOUTS, check_names
from chu_platform.deploy.settings import lake_uri


def _layouts(text: str) -> list[str]:
    names = [n.strip() for n in text.split(",") if n.strip()]
    try:
        return check_names(names)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--layouts") from None


@click.command()
@click.option("--repetitions", "-n", default=10, show_default=True, type=click.IntRange(1), help="warm runs per query")
@click.option("--layouts", default=",".join(LAYOUTS), show_default=True, help="comma-separated layouts to compare")
@click.option("--year", type=int, help="the period benchmarked (default: latest complete year of consultations)")
@click.option("--fragments", default=16, show_default=True, type=click.IntRange(1), help="small files per year in delta_fragmented")
@click.option(
    "--synthetic-scale", type=float,
    help="benchmark a synthetic gold of this scale (1 = 1 M consultations) kept under <data_dir>/ops/synthetic, not the real gold",
)
def bench(repetitions: int, layouts: str, year: int | None, fragments: int, synthetic_scale: float | None) -> None:
    """Time every analysis on gold, cold and warm, in each physical layout.

    Appends one row per analysis and layout to the Delta table ops/query_latency (the same
    history as the ops/query_benchmark asset), writes the chart under <data_dir>/ops/ and
    prints the p50 table in Markdown.
    """
    data_dir = Path(os.environ["CHU_DATA_DIR"]).resolve()
    lake = lake_uri()
    scratch = data_dir / "ops"
    if synthetic_scale is not None:
        scratch = data_dir / "ops" / "synthetic" / f"scale-{synthetic_scale:g}"
        lake = str(scratch / "lake")
        if not delta_store.exists(delta_store.table_uri(lake, ["gold", "fact_consultation"])):
            # Benchmark-only code, shipped with the source tree rather than the platform package.
            from benchmarks.synthetic_gold import write_gold

            click.echo(f"synthesising gold at scale {synthetic_scale:g} in {lake} ...")
            write_gold(lake, synthetic_scale)
    try:
        result = run_benchmark(lake, scratch / "layouts", _layouts(layouts), repetitions, year, fragments, click.echo)
    except (FileNotFoundError, AnswerMismatch) as exc:
        raise click.ClickException(str(exc)) from None
    written = delta_store.append(result.rows, delta_store.table_uri(lake, ["ops", "query_latency"]))
    chart = draw(result.rows, scratch / "query_latency.png", f"Eight analyses, period {result.period}, {repetitions} warm runs")
    click.echo(f"\np50 latency in ms, period {result.period}, {repetitions} warm runs per query:\n")
    click.echo(markdown_table(summary(result.rows), rows=None, decimals=1))
    click.echo(f"\n{written.rows} rows appended to {written.uri} (version {written.version}); chart: {chart}")
