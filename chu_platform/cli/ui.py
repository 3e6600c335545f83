"""``chu ui``: the Dagster UI and daemon on 127.0.0.1, in the foreground."""

from __future__ import annotations

import os
import sys

import click

from chu_platform.instance import prepare_home
from chu_platform.settings import data_dir, project_root


@click.command()
@click.option("--port", default=3000, show_default=True, help="Port of the web UI.")
def ui(port: int) -> None:
    """Start the Dagster UI and daemon (sensors, schedules, backfills); Ctrl-C stops both."""
    home = prepare_home(data_dir())
    click.echo(f"Dagster instance: {home}  ->  open http://127.0.0.1:{port}  (Ctrl-C to stop)")
    # Started in the instance home: `dagster dev` then finds no other dagster.yaml beside it
    # to warn about (the root one is the template of this home's).
    os.chdir(home)
    workspace = str(project_root() / "workspace.yaml")
    os.execvp(
        sys.executable,
        [sys.executable, "-m", "dagster", "dev", "-w", workspace, "-h", "127.0.0.1", "-p", str(port)],
    )
