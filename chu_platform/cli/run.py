"""``chu run``: materialise, in process, everything the configured sources feed."""

from __future__ import annotations

import os

import click
import dagster as dg
import psutil

from chu_platform.cli.options import parse_years
from chu_platform.instance import prepare_home
from chu_platform.lib.lock import data_dir_lock
from chu_platform.sources import SOURCES


def parse_sources(text: str) -> list[str]:
    chosen = [s.strip() for s in text.split(",") if s.strip()]
    unknown = [s for s in chosen if s not in SOURCES]
    if unknown or not chosen:
        raise click.BadParameter(
            f"unknown source '{(unknown or [text])[0]}'; choose among {','.join(SOURCES)}", param_hint="--sources"
        )
    return chosen


def load_definitions() -> dg.Definitions:
    """The platform's definitions, built from the environment in force now (the one ``chu``
    resolved), as a code server started with it would; tests replace this function."""
    from chu_platform.definitions import build_definitions

    defs = build_definitions()
    PLATFORM_DEFINITIONS.add(id(defs))
    return defs


# Definitions built by ``load_definitions``: their worker processes may load the platform module.
PLATFORM_DEFINITIONS: set[int] = set()


def discover_sources(defs: dg.Definitions) -> dict[str, set[int] | None]:
    """Bronze discovery: the configured sources and the years each holds (``None``: no year axis)."""
    from chu_platform.bronze.discovery import available

    settings = defs.resources["settings"].process_config_and_initialize()
    return available(settings, _drop(defs))


def _drop(defs: dg.Definitions):
    """The drop client (FTP, or the local landing folder) the definitions are configured with."""
    from chu_platform.bronze.drop import LocalDrop

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


def _available_memory() -> int:
    """Bytes of memory the system can give without swapping."""
    return psutil.virtual_memory().available


def choose_workers(option: str, defs: dg.Definitions) -> tuple[int, bool, str]:
    """``--workers``: a number, or ``auto`` (up to two, as many as memory allows for the
    largest file in the drop); returns the count, whether each run gets a fresh process, and why."""
    if option != "auto":
        try:
            count = int(option)
        except ValueError:
            raise click.BadParameter(f"'{option}' is not a number nor auto", param_hint="--workers") from None
        if count < 1:
            raise click.BadParameter("at least 1", param_hint="--workers")
        return count, False, "as asked"
    from chu_platform.runner import MEMORY_PER_INPUT_BYTE, workers_for_memory

    files = _drop(defs).list_files()
    largest = max(files, key=lambda f: f.size, default=None)
    size = largest.size if largest else 0
    available = _available_memory()
    count, recycle = workers_for_memory(min(2, os.cpu_count() or 1), size, available)
    why = (f"auto: largest delivered file {largest.path if largest else '-'} {size / 2**30:.2f} GiB, "
           f"~{MEMORY_PER_INPUT_BYTE}x that per worker, {available / 2**30:.1f} GiB available"
           f"{'; a fresh process for each year run' if recycle else ''}")
    return count, recycle, why


@click.command()
@click.option(
    "--sources", default=",".join(SOURCES), show_default=True,
    help="Comma-separated sources whose assets (and everything downstream) to build.",
)
@click.option("--years", default="", help="Only these year partitions, e.g. 2015-2020,2023 (default: every year present).")
@click.option(
    "--workers", default="auto", show_default=True,
    help="Year partitions built at a time (one process each); 1 runs everything in this process; "
    "auto: up to two, fewer when the largest delivered file would not fit in memory twice.",
)
def run(sources: str, years: str, workers: str) -> None:
    """Materialise every asset fed by SOURCES, partitioned ones for every year present."""
    from chu_platform.runner import count_runs, materialize_stages, plan_run, plan_stages

    from chu_platform.settings import describe_data_dir

    requested = parse_sources(sources)
    year_list = parse_years(years) or None
    click.echo(describe_data_dir())
    click.get_current_context().with_resource(data_dir_lock(os.environ["CHU_DATA_DIR"]))
    prepare_home(os.environ["CHU_DATA_DIR"])
    instance = dg.DagsterInstance.get()
    defs = load_definitions()
    available = discover_sources(defs)
    plan = plan_run(defs, requested, available, year_list)
    for source in requested:
        if source in plan.skipped:
            click.echo(f"skip  {source}: {plan.skipped[source]}")
        else:
            click.echo(f"found {source}: {_describe(available[source])}")
    for warning in plan.warnings:
        click.echo(f"warn  {warning}")
    stages = plan_stages(defs, plan.keys)
    workers_count, recycle, why = choose_workers(workers, defs)
    click.echo(f"workers: {workers_count} ({why})")
    import chu_platform.definitions as platform

    # Worker processes load the platform's definitions themselves: only when these are they.
    module = platform.__name__ if id(defs) in PLATFORM_DEFINITIONS else None
    total = count_runs(stages, plan.years_by_key, defs.resolve_asset_graph())
    done = 0

    def progress(stage_run) -> None:
        nonlocal done
        if stage_run.skipped:
            names = ", ".join(k.to_user_string() for k in stage_run.skipped)
            click.echo(f"      skipped (an upstream asset failed): {names}")
            return
        done += 1
        names = ", ".join(k.to_user_string() for k in stage_run.keys)
        where = f" [{stage_run.partition}]" if stage_run.partition else ""
        status = "ok" if stage_run.success else "FAILED"
        click.echo(f"[{done}/{total}] {status} {stage_run.seconds:6.1f}s{where} {names}")
        if stage_run.failed:
            click.echo(f"      not materialised: {', '.join(k.to_user_string() for k in stage_run.failed)}")
        if stage_run.failed_checks:
            click.echo(f"      checks failed: {', '.join(stage_run.failed_checks)}")

    try:
        results = materialize_stages(
            defs, stages, plan.years_by_key, instance, progress, workers=workers_count, definitions_module=module,
            recycle=recycle,
        )
    except RuntimeError as exc:
        raise click.ClickException(str(exc)) from exc
    lake = os.environ.get("CHU_LAKE_URI") or os.path.join(os.environ["CHU_DATA_DIR"], "lake")
    summary = run_summary(results, plan.skipped)
    click.echo(summary.text)
    if summary.must_act:
        raise click.ClickException("the run needs attention (above); open `chu ui` (Runs) for each error")
    click.echo(f"Done: {len(results)} runs, lake at {lake}")


class RunSummary:
    def __init__(self, text: str, must_act: bool) -> None:
        self.text, self.must_act = text, must_act


def run_summary(results, skipped: dict[str, str]) -> RunSummary:
    """The end of a run in a few lines: what failed, what warned, and whether the user must act."""
    failed = [r for r in results if not r.success and not r.skipped]
    blocked = sorted({k.to_user_string() for r in results for k in r.skipped})
    checks = sorted({c for r in results for c in r.failed_checks})
    lines = ["Summary:"]
    for r in failed:
        where = f" [{r.partition}]" if r.partition else ""
        lines.append(f"  FAILED{where}: {', '.join(k.to_user_string() for k in (r.failed or r.keys))}")
    if blocked:
        lines.append(f"  not built (an upstream asset failed): {', '.join(blocked)}")
    if checks:
        lines.append(f"  checks failed (data kept, see the check's metadata in the UI): {', '.join(checks)}")
    for source, why in skipped.items():
        lines.append(f"  source {source} skipped: {why}")
    must_act = bool(failed or blocked)
    if must_act:
        lines.append("  Action needed: fix the failing step (its error is in `chu ui`, Runs), then run again.")
    elif checks or skipped:
        lines.append("  No action needed to use the results; the warnings above say what to review.")
    else:
        lines.append("  Everything built, every check passed: nothing to do.")
    return RunSummary("\n".join(lines), must_act)
