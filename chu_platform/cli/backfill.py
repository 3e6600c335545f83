"""``chu backfill``: a Dagster backfill of year partitions, run by the daemon, followed to its end."""

from __future__ import annotations

import os

import click

from chu_platform.cli.run import discover_sources, load_definitions, parse_sources
from chu_platform.schemas.sources import SOURCES


def _state_line(state) -> str:
    return (f"{state.status.value:<17} {state.materialized}/{state.targeted} asset partitions done, "
            f"{state.failed} failed or blocked; {state.runs} run(s), {state.runs_failed} failed")


@click.command()
@click.option("--from", "first", type=int, required=True, help="First year of the range.")
@click.option("--to", "last", type=int, required=True, help="Last year of the range (included).")
@click.option("--sources", default=",".join(SOURCES), show_default=True,
              help="Comma-separated sources whose assets (and everything downstream) to backfill.")
@click.option("--force", is_flag=True, help="Re-run years already materialised too (default: only failed or missing ones).")
@click.option("--timeout", type=float, default=None, help="Seconds to wait for the backfill before giving up (default: no limit).")
def backfill(first: int, last: int, sources: str, force: bool, timeout: float | None) -> None:
    """Submit a Dagster backfill of the years FROM..TO (the UI's "Materialize -> years"), run by
    the daemon (one started for the duration when none runs), and report until it ends.

    Resumable: run it again and only the failed or missing asset partitions are re-executed.
    """
    import dagster as dg

    from chu_platform.orchestration import backfill as backfills
    from chu_platform.deploy import services
    from chu_platform.orchestration.build_target import BuildInProgress, refuse_if_busy
    from chu_platform.orchestration.clients import interrupt_on_signals
    from chu_platform.orchestration.requested_years import check_years
    from chu_platform.schemas.years import spans
    from chu_platform.lib.lock import data_dir_lock
    from chu_platform.deploy.settings import describe_data_dir

    if last < first:
        raise click.BadParameter("--to is before --from", param_hint="--to")
    requested = parse_sources(sources)
    home, env = services.environment()
    os.environ.update(env)  # the resolved variables (instance home, PostgreSQL URL, key) for this process too
    click.echo(describe_data_dir())
    click.get_current_context().with_resource(data_dir_lock(env["CHU_DATA_DIR"]))
    defs = load_definitions()
    available = discover_sources(defs)
    with dg.DagsterInstance.get() as instance:
        try:
            for closed in refuse_if_busy(instance):
                click.echo(f"note  {closed}")
        except BuildInProgress as busy:
            raise click.ClickException(str(busy)) from None
        asked = check_years(list(range(first, last + 1)), requested, available)
        if asked.nothing:
            raise click.ClickException("nothing to backfill: " + "; ".join(asked.lines()))
        for line in asked.lines():
            click.echo(f"warn  {line}")
        chosen = backfills.target(defs, instance, requested, available, asked.held, force)
        if not chosen.partitions:
            click.echo(f"Nothing to do: the {chosen.already} asset partition(s) of {spans(asked.held)} are "
                       "materialised (--force to re-run them).")
            return
        if chosen.already:
            click.echo(f"{chosen.already} asset partition(s) already materialised: left out (--force to include).")
        with services.daemon_lease(instance, home, env) as started:
            if started:
                click.echo(f"No daemon running on {home}: started one for this backfill (pid {started}, log "
                           f"{env['CHU_DATA_DIR']}/logs/daemon.log); `make up` keeps one running.")
            backfill_id = backfills.submit(defs, instance, chosen.partitions,
                                           title=f"chu backfill {first}-{last} {','.join(requested)}")
            click.echo(f"Backfill {backfill_id}: {len(chosen.partitions)} asset partition(s), {first}-{last}, "
                       f"sources {','.join(requested)}  (UI: Overview -> Backfills)")
            ours = services.running_pid(home, "daemon") is not None
            # A daemon with a PID file here is watched by PID; one found only by its heartbeat
            # (another machine's) is trusted.
            alive = (lambda: services.running_pid(home, "daemon") is not None) if ours else (lambda: True)
            try:
                with interrupt_on_signals():
                    state = backfills.follow(defs, instance, backfill_id, lambda s: click.echo(_state_line(s)),
                                             timeout=timeout, alive=alive)
            except (KeyboardInterrupt, TimeoutError, RuntimeError) as stop:
                # Not left for a daemon to pick up later behind the user's back: cancelled (its
                # runs terminated by the daemon) before the daemon started here is stopped, and
                # the same command resumes from what is materialised. A SIGKILL leaves this to
                # the daemon (lib/daemon.py).
                click.echo(f"Stopping ({type(stop).__name__} {stop}): cancelling backfill {backfill_id}...")
                status = backfills.cancel(instance, backfill_id, timeout=120.0, alive=alive)
                click.echo(f"Backfill {backfill_id} {status.value if status else 'gone'}; run the same command "
                           "again to resume.")
                if isinstance(stop, KeyboardInterrupt):
                    raise click.ClickException(f"interrupted: backfill {backfill_id} {status.value if status else ''}"
                                               ) from None
                raise
    if not state.success:
        raise click.ClickException(
            f"backfill {backfill_id} ended {state.status.value}: {state.failed} asset partition(s) failed or "
            f"blocked, {state.runs_failed} failed run(s) (a failed blocking check fails its run after the asset "
            "is written; the UI's Runs page has each error). Fix the cause, then run the same command again: "
            "only what failed, what it blocked and what reads it are re-executed.")
    click.echo(f"Done: backfill {backfill_id}, {state.materialized} asset partition(s), {state.runs} run(s).")
