"""The ``chu`` command. Each sub-command lives in its own module, imported only when used."""

from __future__ import annotations

import importlib
import os
import importlib.util

import click
from click.utils import make_default_short_help

from chu_platform.lib import permissions
from chu_platform.lib import environment
from chu_platform.deploy.settings import ALLOCATOR, apply_defaults, data_dir, lake_uri

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

# Each command's first sentence, as its docstring says it (``chu --help`` lists them without
# importing a command module: Dagster, Polars...; chu_platform_tests/test_cli_startup.py checks
# they match).
SUMMARIES: dict[str, str] = {
    "backfill": 'Submit a Dagster backfill of the years FROM..TO (the UI\'s "Materialize -> years"), run by the '
                "daemon (one started for the duration when none runs), and report until it ends.",
    "bench": "Time every analysis on gold, cold and warm, in each physical layout.",
    "dashboard": "Build the dashboard from the current gold, marts, checks and benchmarks; secrecy applied.",
    "demo": "Simulate the sources, build the platform end to end, answer a few questions, say where to look.",
    "export": "Write the published, masked marts: chu-analyses.xlsx (a sheet per analysis), and a CSV and a "
              "Parquet file per analysis.",
    "generate": "Simulate the CHU's sources in their real formats: the FTP drop and the care-records base.",
    "query": 'Answer analysis NAME from gold; counts of 1 to 9 and figures from them read "<10", cells withheld '
             'so that none can be recovered read "s".',
    "repair": "Rebuild TABLE (layer/table, e.g. silver/deaths) from the raw zone: the damaged table is moved "
              "under <data dir>/damaged/, then `chu run` rebuilds it, and what reads it, from the files the raw "
              "zone keeps.",
    "run": "Materialise every asset fed by SOURCES, partitioned ones for every year present: a few Dagster runs "
           "of the build jobs (load_sources, build_deaths, build_gold, publish), each over a range of years, on "
           "this data directory's instance.",
    "ui": "Start the Dagster UI and daemon (sensors, schedules, backfills); Ctrl-C stops both.",
    "withdraw": "Withdraw the delivery PATH (its drop path, raw path or file name), then rebuild the years it fed "
                "from the remaining deliveries.",
}


def _present(target: str) -> bool:
    return importlib.util.find_spec(target.split(":")[0]) is not None


# Commands that write the lake and the run history: they hold a disk reserve, and a failure
# of the machine under them ends with one line and closes their runs (lib/environment.py).
BUILDING = {"run", "backfill", "withdraw", "repair", "demo"}


class LazyGroup(click.Group):
    def resolve_command(self, ctx: click.Context, args: list[str]):
        name, command, rest = super().resolve_command(ctx, args)
        # Resolved before the group's callback (apply_defaults) runs: the data directory from
        # the settings; nothing held for `chu run --help`.
        if name in BUILDING and not set(rest) & set(ctx.help_option_names):
            ctx.meta["chu.building"] = environment.now()
            environment.keep_reserve(str(data_dir()))
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

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """The commands and their first sentence, as click lists them, no command module imported."""
        names = self.list_commands(ctx)
        if not names:
            return
        limit = formatter.width - 6 - max(len(name) for name in names)
        with formatter.section("Commands"):
            formatter.write_dl([(name, make_default_short_help(SUMMARIES.get(name, ""), limit)) for name in names])

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
    # Before any command module imports Polars (the group resolves the command before its
    # callback runs apply_defaults): its jemalloc reads this once, at Polars' import.
    for name, value in ALLOCATOR.items():
        os.environ.setdefault(name, value)
    cli()
