"""The ``chu`` command. Each sub-command lives in its own module, imported only when used."""

from __future__ import annotations

import importlib
import os
import importlib.util

import click

from chu_platform import permissions
from chu_platform.settings import apply_defaults

# name -> "module:function"; a command is offered when its module is present.
COMMANDS: dict[str, str] = {
    "bench": "chu_platform.cli.bench:bench",
    "dashboard": "chu_platform.cli.dashboard:dashboard",
    "demo": "chu_platform.cli.demo:demo",
    "generate": "chu_platform.cli.generate:generate",
    "query": "chu_platform.cli.query:query",
    "repair": "chu_platform.cli.repair:repair",
    "run": "chu_platform.cli.run:run",
    "backfill": "chu_platform.cli.backfill:backfill",
    "ui": "chu_platform.cli.ui:ui",
    "withdraw": "chu_platform.cli.withdraw:withdraw",
}


def _present(target: str) -> bool:
    return importlib.util.find_spec(target.split(":")[0]) is not None


class LazyGroup(click.Group):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(name for name, target in COMMANDS.items() if _present(target))

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        target = COMMANDS.get(name)
        if target is None or not _present(target):
            return None
        module, attribute = target.split(":")
        return getattr(importlib.import_module(module), attribute)


@click.group(cls=LazyGroup)
@click.version_option(package_name="chu-platform")
def cli() -> None:
    """CHU Platform: the hospital group's year-partitioned warehouse.

    Configuration comes from the environment (CHU_DATA_DIR, CHU_LANDING_DIR, CHU_LAKE_URI,
    CHU_SOURCE_DSN, DAGSTER_PG_URL); unset variables take the embedded-demo defaults: the
    data directory is the checkout's data/, whichever directory the command runs from.
    """
    permissions.restrict()
    apply_defaults()
    permissions.secure_data_dir(os.environ["CHU_DATA_DIR"])


def main() -> None:
    cli()
