"""``chu generate``: simulate the CHU's source systems (FTP drop + care-records database)."""

from __future__ import annotations

import os
import time
from pathlib import Path

import click

from chu_platform.cli.options import parse_years
from chu_platform.generate import masked_dsn as masked


@click.command()
@click.option("--scale", type=float, default=0.05, show_default=True,
              help="1 = the real CHU base (100,000 patients, ~1M consultations) and national deaths.")
@click.option("--seed", type=int, default=42, show_default=True, help="Same seed, same bytes.")
@click.option("--landing", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="The FTP drop to write [default: $CHU_LANDING_DIR].")
@click.option("--source-dsn", default=None,
              help="PostgreSQL DSN for the care-records base [default: $CHU_SOURCE_DSN, else the embedded server under $CHU_DATA_DIR/pg].")
@click.option("--years", default="2015-2024", show_default=True, help="Years to simulate, e.g. 2015-2024 or 2019,2020.")
@click.option("--manifest", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Where to write the manifest [default: <landing>/../generation-manifest.json].")
@click.option("--deaths-format", type=click.Choice(["insee_fixed", "insee_csv", "chu_csv"]), default="insee_fixed",
              show_default=True, help="INSEE fixed-width deces-YYYY.txt, INSEE CSV deces-YYYY.csv, or the CHU's deces.csv.")
@click.option("--rate", "rates", multiple=True, metavar="NAME=VALUE",
              help="Override a defect rate (repeatable), e.g. --rate stray_bytes=0.01.")
@click.option("--no-database", is_flag=True, help="Write the FTP drop only; leave the care-records base alone.")
def generate(scale: float, seed: int, landing: Path | None, source_dsn: str | None, years: str, manifest: Path | None,
             deaths_format: str, rates: tuple[str, ...], no_database: bool) -> None:
    """Simulate the CHU's sources in their real formats: the FTP drop and the care-records base."""
    from chu_platform.generate import Rates
    from chu_platform.generate import generate as run_generation

    try:
        parsed_rates = Rates.parse(list(rates))
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--rate") from exc
    landing = landing or Path(os.environ["CHU_LANDING_DIR"])
    dsn = source_dsn if source_dsn is not None else os.environ.get("CHU_SOURCE_DSN", "")
    data_dir = Path(os.environ.get("CHU_DATA_DIR", "data"))
    started = time.perf_counter()
    try:
        result = run_generation(landing, scale=scale, seed=seed, source_dsn=dsn or None, years=parse_years(years),
                                manifest=manifest, rates=parsed_rates, deaths_format=deaths_format,
                                load_database=not no_database, data_dir=data_dir)
    except ValueError as exc:
        raise click.ClickException(str(exc)) from exc
    elapsed = time.perf_counter() - started
    total_lines = sum(f.data_lines for f in result.files)
    defects: dict[str, int] = {}
    for entry in result.files:
        for kind, found in entry.defects.items():
            defects[kind] = defects.get(kind, 0) + found["count"]
    click.echo(f"Generated scale {scale} seed {seed} years {result.years[0]}-{result.years[-1]} in {elapsed:.1f} s")
    click.echo(f"  FTP drop   {landing.resolve()}: {len(result.files)} files, {total_lines:,} data lines, "
               f"{sum(f.bytes for f in result.files) / 1e6:.1f} MB")
    click.echo("  defects    " + (", ".join(f"{k} {v:,}" for k, v in sorted(defects.items())) or "none"))
    if no_database:
        click.echo("  care base  not loaded (--no-database)")
    else:
        target = masked(dsn) if dsn else f"embedded PostgreSQL under {(data_dir / 'pg').resolve()}, database chu_care"
        click.echo(f"  care base  {target}: " + ", ".join(f'"{t}" {n:,}' for t, n in result.tables.items()))
    default_manifest = landing.resolve().parent / "generation-manifest.json"
    click.echo(f"  manifest   {(manifest or default_manifest).resolve()}")
