"""``chu ui``: the Dagster UI and daemon on 127.0.0.1, in the foreground; Ctrl-C stops both
and ends with status 0 (so ``make ui`` ends cleanly too)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import warnings
from importlib.metadata import entry_points

import click
import dagster as dg

from chu_platform.deploy.instance import prepare_home
from chu_platform.deploy.settings import data_dir, project_root


def dagster_main() -> None:
    """Dagster's own ``dagster`` command, without the notice that ``dagster dev`` is superseded
    by ``dg dev`` (which needs a ``dg`` project at the current directory; ours runs in the
    instance home so that no second dagster.yaml sits beside it)."""
    warnings.filterwarnings("ignore", category=dg.SupersessionWarning)
    sys.argv[0] = "dagster"
    (command,) = entry_points(group="console_scripts", name="dagster")
    command.load()()


def dev_command(workspace: str, port: int) -> list[str]:
    return [sys.executable, "-c", "from chu_platform.cli.ui import dagster_main; dagster_main()",
            "dev", "-w", workspace, "-h", "127.0.0.1", "-p", str(port)]


def run_until_interrupted(command: list[str], cwd: str) -> int:
    """Run ``command`` in a session of its own and pass it one SIGINT when this process gets
    SIGINT or SIGTERM: ``dagster dev`` then stops its webserver and daemon itself, instead of
    every process of the terminal's group being interrupted at once mid-shutdown (the
    "Aborted!" and exit status 1). Status 0 after an interruption, else the command's."""
    child = subprocess.Popen(command, cwd=cwd, start_new_session=True)
    interrupted = []

    def forward(signum, _frame):
        interrupted.append(signum)
        child.send_signal(signal.SIGINT if len(interrupted) == 1 else signal.SIGTERM)

    previous = {s: signal.signal(s, forward) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        code = child.wait()
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)
    return 0 if interrupted else code


@click.command()
@click.option("--port", default=3000, show_default=True, help="Port of the web UI.")
def ui(port: int) -> None:
    """Start the Dagster UI and daemon (sensors, schedules, backfills); Ctrl-C stops both."""
    home = prepare_home(data_dir())
    click.echo(f"Dagster instance: {home}  ->  open http://127.0.0.1:{port}  (Ctrl-C to stop)")
    # Started in the instance home: `dagster dev` then finds no other dagster.yaml beside it
    # to warn about (the root one is the template of this home's).
    code = run_until_interrupted(dev_command(str(project_root() / "workspace.yaml"), port), os.fspath(home))
    if code == 0:
        click.echo("Dagster UI and daemon stopped.")
    sys.exit(code)
