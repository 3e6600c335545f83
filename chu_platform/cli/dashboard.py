"""``chu dashboard``: write the decision-makers' dashboard, one self-contained HTML file."""

from __future__ import annotations

import os

import click
from chu_platform.deploy.settings import lake_uri


@click.command()
@click.option("--out", "out", type=click.Path(dir_okay=False), default=None,
              help="Where to write the file (default: <CHU_DATA_DIR>/dashboard.html).")
@click.option("--lang", type=click.Choice(["fr", "en"]), default="fr", show_default=True,
              help="Language the page opens in (a switch in the page offers the other).")
def dashboard(out: str | None, lang: str) -> None:
    """Build the dashboard from the current gold, marts, checks and benchmarks; secrecy applied."""
    import dagster as dg

    from chu_platform.dashboard import build, quality
    from chu_platform.definitions import defs
    from chu_platform.deploy.instance import prepare_home

    data_dir = os.environ["CHU_DATA_DIR"]
    prepare_home(data_dir)
    lake = lake_uri()
    with dg.DagsterInstance.get() as instance:
        try:
            doc = build.document(lake, instance, quality.check_specs(defs.resolve_asset_graph()), lang)
        except build.DashboardError as exc:
            raise click.ClickException(str(exc)) from None
    path = build.write(out or build.default_path(data_dir), doc)
    size = path.stat().st_size / 2**20
    click.echo(f"Dashboard written: {path} ({size:.1f} MiB, years {doc['data']['years'][0]}-{doc['data']['years'][-1]}); "
               "open it in any browser, no network needed")
