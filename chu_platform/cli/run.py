"""``chu run``: materialise the platform in process on the configured instance."""

from __future__ import annotations

import os

import click
import dagster as dg

from chu_platform.instance import prepare_home


def _parse_years(text: str) -> list[int]:
    years: list[int] = []
    for part in filter(None, (p.strip() for p in text.split(","))):
        if "-" in part:
            first, last = (int(x) for x in part.split("-", 1))
            years.extend(range(first, last + 1))
        else:
            years.append(int(part))
    return sorted(set(years))


@click.command()
@click.option("--years", default="", help="Year partitions to run, e.g. 2015-2020,2023 (default: none).")
def run(years: str) -> None:
    """Materialise every asset, partitioned ones for each requested year."""
    from chu_platform.definitions import defs
    from chu_platform.runner import materializable_keys, materialize_stages, plan_stages

    prepare_home(os.environ["CHU_DATA_DIR"])
    instance = dg.DagsterInstance.get()
    stages = plan_stages(defs, materializable_keys(defs))
    year_list = _parse_years(years)
    total = sum(len(year_list) if s.partitioned else 1 for s in stages)
    done = 0

    def progress(stage_run) -> None:
        nonlocal done
        done += 1
        names = ", ".join(k.to_user_string() for k in stage_run.keys)
        where = f" [{stage_run.partition}]" if stage_run.partition else ""
        status = "ok" if stage_run.success else "FAILED"
        click.echo(f"[{done}/{total}] {status} {stage_run.seconds:6.1f}s{where} {names}")

    results = materialize_stages(defs, stages, year_list, instance, progress)
    if not all(r.success for r in results):
        raise click.ClickException("a run failed: open `make ui` (Runs) for the step's error")
    click.echo(f"Done: {len(results)} runs, lake at {os.environ['CHU_LAKE_URI'] or os.environ['CHU_DATA_DIR'] + '/lake'}")
