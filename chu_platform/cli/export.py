"""``chu export``: the published marts as an Excel workbook, CSV and Parquet files."""

from __future__ import annotations

import os
from pathlib import Path

import click
from chu_platform.deploy.settings import lake_uri

FORMATS = ("xlsx", "csv", "parquet")


@click.command()
@click.option("--out", "out", type=click.Path(file_okay=False), default=None,
              help="Folder to write into (default: <CHU_DATA_DIR>/export, which `chu run` refreshes too).")
@click.option("--format", "formats", type=click.Choice(FORMATS), multiple=True,
              help="Only these formats (repeatable; default: all three).")
def export(out: str | None, formats: tuple[str, ...]) -> None:
    """Write the published, masked marts: chu-analyses.xlsx (a sheet per analysis), and a CSV and a
    Parquet file per analysis. Readable by the owner only, or by CHU_BI_GROUP like the warehouse."""
    from datetime import UTC, datetime

    from chu_platform.layers.marts import export as exporting

    data_dir = os.environ["CHU_DATA_DIR"]
    lake = lake_uri()
    folder = Path(out) if out else Path(data_dir) / exporting.FOLDER
    try:
        written = exporting.export(lake, folder, datetime.now(UTC), formats or FORMATS, own_folder=out is None)
    except (exporting.ExportError, ValueError) as exc:
        raise click.ClickException(str(exc)) from None
    for name, rows in written.rows.items():
        click.echo(f"  {name:<32} {rows:>6} rows, {written.masked[name]} with withheld cells")
    if written.missing:
        click.echo(f"  no mart yet (run `chu run`): {', '.join(written.missing)}", err=True)
    click.echo(f"{len(written.files)} files written in {folder.resolve()}")
