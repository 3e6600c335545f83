"""``chu demo``: the whole platform on the embedded default, from nothing to answers."""

from __future__ import annotations

import os

import click

DEMO_QUESTIONS = (
    ("Deaths per region, 2019", ["deaths_by_region", "--year", "2019"]),
    ("Satisfaction per region, 2020", ["satisfaction_by_region", "--year", "2020"]),
    ("Global hospitalisation rate, latest complete year", ["hospitalisation_rate"]),
)


@click.command()
@click.option("--scale", default=0.05, show_default=True, help="Size of the simulated sources (1 = the real CHU).")
@click.option("--seed", default=42, show_default=True, help="Seed of the simulation.")
@click.pass_context
def demo(ctx: click.Context, scale: float, seed: int) -> None:
    """Simulate the sources, build the platform end to end, answer a few questions, say where to look."""
    group = ctx.find_root().command
    data = os.path.abspath(os.environ["CHU_DATA_DIR"])
    steps = [
        ["generate", "--scale", str(scale), "--seed", str(seed)],
        ["run"],
    ]
    for args in steps:
        click.secho(f"\n$ chu {' '.join(args)}", bold=True)
        group.main(args, standalone_mode=False)
    for title, args in DEMO_QUESTIONS:
        click.secho(f"\n{title}   $ chu query {' '.join(args)}", bold=True)
        group.main(["query", *args], standalone_mode=False)
    click.echo("")
    click.secho("Where to look:", bold=True)
    click.echo(f"  Delta lake          {os.environ['CHU_LAKE_URI'] or os.path.join(data, 'lake')}")
    click.echo(f"  BI warehouse        {os.path.join(data, 'warehouse.duckdb')}  (published tables, secrecy applied; "
               "readable by the group CHU_BI_GROUP, see docs/secrecy.md)")
    click.echo(f"  Analysts' warehouse {os.path.join(data, 'analysts', 'warehouse.duckdb')}  (gold, owner only)")
    click.echo(f"  Excel, CSV, Parquet {os.path.join(data, 'export')}  (the published marts; docs/bi-tools.md)")
    click.echo(f"  Dagster instance    {os.path.join(data, 'dagster')}  ->  make ui, then http://127.0.0.1:3000")
    click.echo("  Other questions     uv run chu query --help")
    # `chu run` builds marts/dashboard with the marts; write it here only if it did not.
    dashboard = os.path.join(data, "dashboard.html")
    if not os.path.exists(dashboard):
        group.main(["dashboard"], standalone_mode=False)
    click.secho(f"  Dashboard           {dashboard}  (open it in any browser, offline)", bold=True)
