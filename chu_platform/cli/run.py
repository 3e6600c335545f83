"""``chu run``: materialise everything the configured sources feed, as a few Dagster range runs."""

from __future__ import annotations

import os

import click
import dagster as dg

from chu_platform.cli.options import parse_years
from chu_platform.deploy.instance import prepare_home
from chu_platform.lib.lock import data_dir_lock
from chu_platform.schemas.sources import SOURCES
from chu_platform.deploy.settings import lake_uri


def parse_sources(text: str) -> list[str]:
    chosen = [s.strip() for s in text.split(",") if s.strip()]
    unknown = [s for s in chosen if s not in SOURCES]
    if unknown or not chosen:
        raise click.BadParameter(
            f"unknown source '{(unknown or [text])[0]}'; choose among {','.join(SOURCES)}", param_hint="--sources"
        )
    return chosen


def load_definitions() -> dg.Definitions:
    """The platform's definitions (their resources read the environment ``chu`` resolved when
    they are used); tests replace this function and ``JOB_SOURCE`` (where each run finds its
    job) together."""
    from chu_platform.definitions import defs

    return defs


JOB_SOURCE = ("chu_platform.orchestration.build_target", "job_of")


def discover_sources(defs: dg.Definitions) -> dict[str, set[int] | None]:
    """Bronze discovery: the configured sources and the years each holds (``None``: no year axis)."""
    from chu_platform.layers.bronze.discovery import available

    settings = defs.resources["settings"].process_config_and_initialize()
    return available(settings, _drop(defs))


def _drop(defs: dg.Definitions):
    """The drop client (FTP, or the local landing folder) the definitions are configured with."""
    from chu_platform.layers.bronze.drop import LocalDrop

    drop_resource = defs.resources.get("drop")
    if drop_resource:
        return drop_resource.process_config_and_initialize().client()
    return LocalDrop(defs.resources["settings"].process_config_and_initialize().landing_path)


def _describe(years: set[int] | None) -> str:
    if not years:
        return "no year axis" if years is None else "no year found"
    ordered = sorted(years)
    span = f"{ordered[0]}-{ordered[-1]}" if len(ordered) > 1 else str(ordered[0])
    return f"{len(ordered)} year(s), {span}"


@click.command()
@click.option(
    "--sources", default=",".join(SOURCES), show_default=True,
    help="Comma-separated sources whose assets (and everything downstream) to build.",
)
@click.option("--years", default="", help="Only these year partitions, e.g. 2015-2020,2023 (default: every year present).")
def run(sources: str, years: str) -> None:
    """Materialise every asset fed by SOURCES, partitioned ones for every year present: a few
    Dagster runs of the build jobs (load_sources, build_deaths, build_gold, publish), each over
    a range of years, on this data directory's instance."""
    from chu_platform.orchestration.build_target import BuildInProgress, execute, plan_run, plan_runs, refuse_if_busy
    from chu_platform.deploy.settings import describe_data_dir

    requested = parse_sources(sources)
    year_list = parse_years(years) or None
    click.echo(describe_data_dir())
    click.get_current_context().with_resource(data_dir_lock(os.environ["CHU_DATA_DIR"]))
    prepare_home(os.environ["CHU_DATA_DIR"])
    instance = click.get_current_context().with_resource(dg.DagsterInstance.get())
    try:
        for closed in refuse_if_busy(instance):
            click.echo(f"note  {closed}")
    except BuildInProgress as busy:
        raise click.ClickException(str(busy)) from None
    defs = load_definitions()
    available = discover_sources(defs)
    asked_in_vain: list[str] = []
    if year_list:
        from chu_platform.orchestration.requested_years import check_years

        asked = check_years(year_list, requested, available)
        if asked.nothing:
            raise click.ClickException("nothing to build: " + "; ".join(asked.lines()))
        asked_in_vain = asked.lines()
    plan = plan_run(defs, requested, available, year_list)
    for source in requested:
        if source in plan.skipped:
            click.echo(f"skip  {source}: {plan.skipped[source]}")
        else:
            click.echo(f"found {source}: {_describe(available[source])}")
    for warning in [*asked_in_vain, *plan.warnings]:
        click.echo(f"warn  {warning}")
    planned = plan_runs(defs, plan.keys, plan.years_by_key)
    done = 0

    def progress(outcome) -> None:
        nonlocal done
        done += 1
        if outcome.run_id is None:
            names = ", ".join(k.to_user_string() for k in outcome.skipped)
            click.echo(f"[{done}/{len(planned)}] not run {outcome.planned.label}: an upstream asset failed ({names})")
            return
        status = "ok" if outcome.success else "FAILED"
        click.echo(f"[{done}/{len(planned)}] {status} {outcome.seconds:6.1f}s {outcome.planned.label}: "
                   f"{len(outcome.planned.keys) - len(outcome.skipped)} asset(s), run {outcome.run_id[:8]}")
        if outcome.skipped:
            click.echo(f"      left out (an upstream asset failed): {', '.join(k.to_user_string() for k in outcome.skipped)}")
        if outcome.failed:
            click.echo(f"      not materialised: {', '.join(k.to_user_string() for k in outcome.failed)}")
        for error in outcome.errors:
            click.echo(f"      FAILED {error}")
        if outcome.failed_checks:
            click.echo(f"      checks failed: {', '.join(outcome.failed_checks)}")
        if outcome.warned_checks:
            click.echo(f"      checks warned: {', '.join(outcome.warned_checks)}")

    try:
        results = execute(planned, instance, defs.resolve_asset_graph(), progress, job_source=JOB_SOURCE)
    except KeyboardInterrupt as stop:
        # ``stop`` says which run the signal ended, or that it came between runs.
        raise click.ClickException(f"interrupted ({stop}): no further run started; run the same command again "
                                   "to finish the build") from None
    lake = lake_uri()
    summary = run_summary(results, plan.skipped, asked_in_vain)
    click.echo(summary.text)
    if summary.must_act:
        raise click.ClickException("the run needs attention (above); open `chu ui` (Runs) for each error")
    click.echo(f"Done: {sum(1 for r in results if r.run_id)} runs, lake at {lake}")


class RunSummary:
    def __init__(self, text: str, must_act: bool) -> None:
        self.text, self.must_act = text, must_act


def run_summary(results, skipped: dict[str, str], years_not_built: list[str] = ()) -> RunSummary:
    """The end of a build in a few lines: what failed, what warned, and whether the user must act
    (``years_not_built``: the years asked for that no source holds, each line naming those that do)."""
    failed = [r for r in results if r.run_id and not r.success]
    blocked = sorted({k.to_user_string() for r in results for k in r.skipped})
    checks = sorted({c for r in results for c in r.failed_checks})
    lines = ["Summary:"]
    for r in failed:
        names = ", ".join(k.to_user_string() for k in r.failed) or "its checks"
        lines.append(f"  FAILED {r.planned.label}: {names}")
    if blocked:
        lines.append(f"  not built (an upstream asset failed): {', '.join(blocked)}")
    warned = sorted({c for r in results for c in r.warned_checks})
    if checks:
        lines.append(f"  checks failed (data kept, see the check's metadata in the UI): {', '.join(checks)}")
    if warned:
        lines.append(f"  checks warned (data kept, see the check's metadata in the UI): {', '.join(warned)}")
    for source, why in skipped.items():
        lines.append(f"  source {source} skipped: {why}")
    for line in years_not_built:
        lines.append(f"  not built, {line}")
    must_act = bool(failed or blocked)
    if must_act:
        lines.append("  Action needed: fix the failing step (its error is in `chu ui`, Runs), then run again.")
    elif checks or skipped or years_not_built:
        lines.append("  No action needed to use the results; the warnings above say what to review.")
    else:
        lines.append("  Everything built, every check passed: no action needed.")
    return RunSummary("\n".join(lines), must_act)
