"""The ``chu`` command. Each sub-command lives in its own module, imported only when used."""

from __future__ import annotations

import importlib
import os
import importlib.util

import click

from chu_platform.lib import permissions
from chu_platform.lib import environment
from chu_platform.deploy.settings import apply_defaults
from chu_platform.deploy.settings import lake_uri

# name -> "module:function"; a command is offered when its module is present.
COMMANDS: dict[str, str] = {
    "bench": "chu_platform.cli.bench:bench",
    "dashboard": "chu_platform.cli.dashboard:dashboard",
    "export": "chu_platform.cli.export:export",
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


# Commands that write the lake and the run history: they hold a disk reserve, and a failure
# of the machine under them ends with one line and closes their runs (lib/environment.py).
BUILDING = {"run", "backfill", "withdraw", "repair", "demo"}


class LazyGroup(click.Group):
    def resolve_command(self, ctx: click.Context, args: list[str]):
        name, command, rest = super().resolve_command(ctx, args)
        if name in BUILDING:
            ctx.meta["chu.building"] = environment.now()
            environment.keep_reserve(os.environ["CHU_DATA_DIR"])
        return name, command, rest

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except (click.exceptions.Exit, click.Abort):
            raise
        except click.ClickException as error:
            started = ctx.meta.get("chu.building")
            failure = _from_runs(started) if started else None
            if failure is None:
                raise
            raise click.ClickException(f"{error.format_message()}; the cause: {_closing(failure, started)}") from None
        except Exception as error:
            failure = environment.from_exception(error, os.environ.get("DAGSTER_HOME"))
            if failure is None:
                raise
            started = ctx.meta.get("chu.building")
            raise click.ClickException(_closing(failure, started) if started else failure.line) from None

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


def _instance():
    import dagster as dg

    return dg.DagsterInstance.get() if os.environ.get("DAGSTER_HOME") else None


def _from_runs(started):
    try:
        instance = _instance()
        lake = lake_uri()
        return environment.from_runs(instance, started, lake) if instance else None
    except Exception:  # noqa: BLE001 - the command's own error stands when the history cannot be read
        return None


def _closing(failure: environment.Failure, started) -> str:
    """The failure's line, and what became of the runs the command left open."""
    try:
        instance = _instance()
        closed = environment.close_open_runs(instance, started, failure, os.environ["CHU_DATA_DIR"]) if instance else 0
    except Exception as error:  # noqa: BLE001 - said, not raised: the cause is the line to show
        return f"{failure.line} (its open runs could not be marked failed: {str(error).splitlines()[0][:200]})"
    return failure.line + (f" ({closed} open run(s) marked failed)" if closed else "")


def main() -> None:
    cli()
