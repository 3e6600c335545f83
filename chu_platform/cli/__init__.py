"""The ``chu`` command. Each sub-command lives in its own module, imported only when used."""

from __future__ import annotations

import importlib

import click

from chu_platform.settings import apply_defaults

# name -> "module:function"; a command is listed here when its module exists.
COMMANDS: dict[str, str] = {
    "demo": "chu_platform.cli.demo:demo",
    "run": "chu_platform.cli.run:run",
    "ui": "chu_platform.cli.ui:ui",
}


class LazyGroup(click.Group):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        target = COMMANDS.get(name)
        if target is None:
            return None
        module, attribute = target.split(":")
        return getattr(importlib.import_module(module), attribute)


@click.group(cls=LazyGroup)
@click.version_option(package_name="chu-platform")
def cli() -> None:
    """CHU Platform: the hospital group's year-partitioned warehouse.

    Configuration comes from the environment (CHU_DATA_DIR, CHU_LANDING_DIR, CHU_LAKE_URI,
    CHU_SOURCE_DSN, DAGSTER_PG_URL); unset variables take the embedded-demo defaults.
    """
    apply_defaults()


def main() -> None:
    cli()
