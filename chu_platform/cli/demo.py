"""``chu demo``: the whole platform on the embedded default, from nothing to answers."""

from __future__ import annotations

import os

import click

from chu_platform.cli.run import run


@click.command()
@click.pass_context
def demo(ctx: click.Context) -> None:
    """Build the platform end to end on the embedded default and say where to look."""
    data = os.path.abspath(os.environ["CHU_DATA_DIR"])
    ctx.invoke(run)
    click.echo("")
    click.echo("Where to look:")
    click.echo(f"  Delta lake          {os.environ['CHU_LAKE_URI'] or os.path.join(data, 'lake')}")
    click.echo(f"  DuckDB warehouse    {os.path.join(data, 'warehouse.duckdb')}  (read-only for BI tools)")
    click.echo(f"  Dagster instance    {os.path.join(data, 'dagster')}  ->  make ui, then http://127.0.0.1:3000")
