"""``chu ui``: the Dagster UI and daemon on 127.0.0.1."""

from __future__ import annotations

import os
import sys

import click

from chu_platform.instance import prepare_home, project_root


@click.command()
@click.option("--port", default=3000, show_default=True, help="Port of the web UI.")
def ui(port: int) -> None:
    """Start the Dagster UI and daemon (sensors, schedules, backfills); Ctrl-C stops both."""
    home = prepare_home(os.environ["CHU_DATA_DIR"])
    click.echo(f"Dagster instance: {home}  ->  open http://127.0.0.1:{port}  (Ctrl-C to stop)")
    os.chdir(project_root())
    os.execvp(
        sys.executable,
        [sys.executable, "-m", "dagster", "dev", "-w", "workspace.yaml", "-h", "127.0.0.1", "-p", str(port)],
    )
