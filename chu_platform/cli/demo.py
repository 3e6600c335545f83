"""``chu demo``: the whole platform on the embedded default, from nothing to answers."""

from __future__ import annotations

import json
import os
from pathlib import Path

import click

DEMO_QUESTIONS = (
    ("Deaths per region, 2019", ["deaths_by_region", "--year", "2019"]),
    ("Satisfaction per region, 2020", ["satisfaction_by_region", "--year", "2020"]),
    ("Global hospitalisation rate, latest complete year", ["hospitalisation_rate"]),
)


# What each defect the simulation injects looks like to the platform, in plain words.
DEFECTS = {
    "wrong_field_count": "lines with too many or too few fields (rejected: bronze/rejects)",
    "truncated_line": "lines cut short (rejected)",
    "overlong_line": "overlong lines (rejected)",
    "stray_bytes": "stray bytes in the deaths register (rejected or cleaned)",
    "impossible_date": "impossible admission dates such as 31/02 (check hospitalisations_every_stay_placed)",
    "unknown_date_part": "dates with an unknown day or month, 00 (kept, day or month unknown)",
    "unknown_diagnosis": "diagnosis codes absent from the care base (counted as unknown diagnosis)",
    "duplicate": "deaths declared twice (de-duplicated)",
    "late_declaration": "deaths declared in a later year's file (placed in their own year)",
    "noncanonical_region": "region names written as PACA, Ile de France... (conformed)",
    "unscored_establishment": "establishments without a published e-Satis score",
    "professional_without_activity": "professionals attached to no establishment",
}


def defects_announcement(manifest: Path) -> str:
    """The defects the simulated files carry on purpose, from the generation manifest."""
    files = json.loads(manifest.read_text(encoding="utf-8"))["files"]
    counts: dict[str, int] = {}
    for entry in files:
        for kind, found in entry["defects"].items():
            counts[kind] = counts.get(kind, 0) + found["count"]
    lines = ["The simulated files carry defects on purpose, as real deliveries do; the rejected lines",
             "and the checks `chu run` reports as failed or warned below are the platform catching them:"]
    lines += [f"  {n:>7,}  {DEFECTS.get(kind, kind)}" for kind, n in sorted(counts.items()) if n]
    return "\n".join(lines)


BENCHMARK_REPETITIONS = 5


def record_benchmark(repetitions: int = BENCHMARK_REPETITIONS) -> bool:
    """One run of the ops/query_benchmark asset on the demo's instance, so that the dashboard's
    response-times page shows measured figures, not an empty chart."""
    import dagster as dg

    from chu_platform.cli.run import load_definitions
    from chu_platform.defs import jobs
    from chu_platform.deploy.instance import prepare_home

    prepare_home(os.environ["CHU_DATA_DIR"])
    defs = load_definitions()
    with dg.DagsterInstance.get() as instance:
        # The named job (the UI lists the run as `benchmark_queries`), in this process.
        result = defs.resolve_job_def(jobs.BENCHMARK).execute_in_process(
            instance=instance,
            # The run's step-by-step log stays in the instance (`chu ui`); the demo prints its outcome.
            run_config={"ops": {"ops__query_benchmark": {"config": {"repetitions": repetitions}}},
                        "loggers": {"console": {"config": {"log_level": "WARNING"}}}},
            raise_on_error=False,
        )
    return result.success


@click.command()
@click.option("--scale", default=0.05, show_default=True, help="Size of the simulated sources (1 = the real CHU).")
@click.option("--seed", default=42, show_default=True, help="Seed of the simulation.")
@click.pass_context
def demo(ctx: click.Context, scale: float, seed: int) -> None:
    """Simulate the sources, build the platform end to end, answer a few questions, say where to look."""
    group = ctx.find_root().command
    data = os.path.abspath(os.environ["CHU_DATA_DIR"])
    steps = [
        ["generate", "--scale", str(scale), "--seed", str(seed)],
        ["run"],
    ]
    manifest = Path(os.environ["CHU_LANDING_DIR"]).resolve().parent / "generation-manifest.json"
    for args in steps:
        click.secho(f"\n$ chu {' '.join(args)}", bold=True)
        if args[0] == "run" and manifest.exists():
            click.secho(defects_announcement(manifest), fg="blue")
        group.main(args, standalone_mode=False)
    if manifest.exists():
        click.secho("In this demo, the checks that failed or warned above caught the defects injected on purpose: the results are usable.",
                    fg="blue")
    click.secho(f"\nResponse times: one run of ops/query_benchmark ({BENCHMARK_REPETITIONS} warm runs per analysis)",
                bold=True)
    if record_benchmark():
        group.main(["dashboard"], standalone_mode=False)
    else:
        click.echo("  the benchmark run failed (see `chu ui`, Runs); the dashboard's response-times page stays empty")
    for title, args in DEMO_QUESTIONS:
        click.secho(f"\n{title}   $ chu query {' '.join(args)}", bold=True)
        group.main(["query", *args], standalone_mode=False)
    click.echo("")
    click.secho("Where to look:", bold=True)
    click.echo(f"  Delta lake          {os.environ['CHU_LAKE_URI'] or os.path.join(data, 'lake')}")
    click.echo(f"  BI warehouse        {os.path.join(data, 'warehouse.duckdb')}  (published tables, secrecy applied; "
               "readable by the group CHU_BI_GROUP, see docs/secrecy.md)")
    click.echo(f"  Analysts' warehouse {os.path.join(data, 'analysts', 'warehouse.duckdb')}  (gold, owner only)")
    click.echo(f"  Excel, CSV, Parquet {os.path.join(data, 'export')}  (the published marts; docs/bi-tools.md)")
    click.echo(f"  Dagster instance    {os.path.join(data, 'dagster')}  ->  make ui, then http://127.0.0.1:3000")
    click.echo("  Other questions     uv run chu query --help")
    dashboard = os.path.join(data, "dashboard.html")
    if not os.path.exists(dashboard):
        group.main(["dashboard"], standalone_mode=False)
    click.secho(f"  Dashboard           {dashboard}  (open it in any browser, offline)", bold=True)
