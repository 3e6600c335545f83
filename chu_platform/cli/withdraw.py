"""``chu withdraw``: take a delivery back, then rebuild the years it fed from what remains."""

from __future__ import annotations

import os

import click
import polars as pl

from chu_platform.layers.bronze import raw, withdrawals
from chu_platform.layers.bronze.discovery import chu_death_years
from chu_platform.lib import delta_store
from chu_platform.lib.lock import data_dir_lock
from chu_platform.layers.marts.secrecy import login_user, process_user
from chu_platform.defs.partitions import BY_SOURCE
from chu_platform.deploy.settings import lake_uri


def _lake() -> str:
    return lake_uri()


def _file_years(version: raw.Landed, manifest: pl.DataFrame, history: pl.DataFrame) -> list[int]:
    """The partitions the delivery fed, and those its replacement (the version of the same drop
    path loaded now) feeds: a year file's year, the death years of a CHU deces.csv."""
    if version.year is not None:
        return [version.year]
    if version.fmt != "chu_csv":
        return []
    root = raw.raw_root(os.environ["CHU_DATA_DIR"])
    same = withdrawals.remaining(manifest, history).filter(pl.col("drop_path") == version.drop_path)
    paths = {version.raw_path, *(v.raw_path for v in raw.latest(same))}
    return sorted(set().union(*(chu_death_years((root / p).read_bytes(), version.drop_path) for p in paths)))


def _declared_years(lake: str, file_years: list[int]) -> set[int]:
    """The years of death named by the register declarations of ``file_years`` (late
    declarations reach earlier years' silver/deaths)."""
    uri = delta_store.table_uri(lake, ["silver", "death_declarations"])
    if not file_years or not delta_store.exists(uri):
        return set()
    years = delta_store.scan(uri, file_years).select("deces_annee").unique().collect().get_column("deces_annee")
    return {int(y) for y in years.drop_nulls()}


def _built_years(lake: str) -> set[int]:
    uri = delta_store.table_uri(lake, ["silver", "deaths"])
    if not delta_store.exists(uri):
        return set()
    return {int(y) for y in delta_store.scan(uri).select("year").unique().collect().get_column("year")}


def _years_text(years) -> str:
    return ",".join(str(y) for y in sorted(years))


@click.command()
@click.argument("path")
@click.option("--reason", default="", help="Why the delivery is withdrawn (kept in raw/withdrawals).")
@click.option("--restore", is_flag=True, help="Take a withdrawal back: the version is loaded again.")
@click.option("--no-rebuild", is_flag=True, help="Only record it; the next `chu run` rebuilds.")
@click.pass_context
def withdraw(ctx: click.Context, path: str, reason: str, restore: bool, no_rebuild: bool) -> None:
    """Withdraw the delivery PATH (its drop path, raw path or file name), then rebuild the
    years it fed from the remaining deliveries.

    The file stays in the raw zone; the withdrawal is recorded in raw/withdrawals with the
    OS user, the time and the reason. PATH's latest version still loaded is withdrawn (a raw
    path names one version). Delivering the same bytes again does not bring it back;
    --restore does.
    """
    from chu_platform.cli.run import run

    lake = _lake()
    manifest_uri = delta_store.table_uri(lake, ["raw", "manifest"])
    history_uri = withdrawals.uri_beside(manifest_uri)
    with data_dir_lock(os.environ["CHU_DATA_DIR"]):
        manifest = raw.read_manifest(manifest_uri)
        history = withdrawals.read(history_uri)
        try:
            version = withdrawals.find(manifest, history, path, restore=restore)
        except withdrawals.WithdrawalError as error:
            raise click.ClickException(str(error)) from None
        action = withdrawals.RESTORED if restore else withdrawals.WITHDRAWN
        row = withdrawals.record(version, history_uri, action, process_user(), login_user(), reason)
        history = withdrawals.read(history_uri)
    offered = {int(k) for k in BY_SOURCE[version.source].get_partition_keys()} if version.source in BY_SOURCE else set()
    years = [y for y in _file_years(version, manifest, history) if not offered or y in offered]
    click.echo(f"{version.drop_path} version {version.version} ({version.raw_path}, sha256 {version.sha256[:12]}) "
               f"{action} by {row['user'].item()}; recorded in raw/withdrawals; the file stays in the raw zone")
    command = f"chu run --sources {version.source}" + (f" --years {_years_text(years)}" if years else "")
    if no_rebuild:
        click.echo(f"Not rebuilt (--no-rebuild): run `{command}`")
        return
    click.echo(f"Rebuilding from the remaining deliveries: {command}")
    declared_before = _declared_years(lake, years) if version.source == "deaths" else set()
    ctx.invoke(run, sources=version.source, years=_years_text(years))
    if version.source != "deaths":
        return
    # Late declarations: the register years the file's year declared deaths of, before and after.
    later = ((declared_before | _declared_years(lake, years)) & _built_years(lake)) - set(years)
    if later:
        click.echo(f"Rebuilding the years of death its declarations named: chu run --sources deaths "
                   f"--years {_years_text(later)}")
        ctx.invoke(run, sources=version.source, years=_years_text(later))
