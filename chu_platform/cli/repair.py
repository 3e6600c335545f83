"""``chu repair``: set a damaged Delta table aside and rebuild it from the raw zone."""

from __future__ import annotations

import os
import shutil
from datetime import UTC, datetime
from pathlib import Path

import click
import dagster as dg

from chu_platform.lib import delta_store
from chu_platform.lib.lock import data_dir_lock
from chu_platform.schemas.sources import SOURCES
from chu_platform.deploy.settings import lake_uri

# Tables no asset computes, written by every bronze asset fed by files (docs/storage.md).
SIDE_TABLES = {"bronze/rejects", "bronze/_loads"}
# Histories: what was delivered or done. They are records, not derived from the raw zone.
HISTORIES = {"raw/manifest", "raw/withdrawals", "ops/secrecy_audit"}


def sources_for(defs: dg.Definitions, name: str) -> list[str]:
    """The sources whose ``chu run`` rebuilds table ``name`` (``layer/table``): those it is fed
    by, every source for a side table of bronze or a table no source feeds (reference tables)."""
    from chu_platform.orchestration.build_target import fed_by, materializable_keys

    if name in SIDE_TABLES:
        return list(SOURCES)
    key = dg.AssetKey(name.split("/"))
    if key not in set(materializable_keys(defs)):
        tables = sorted(k.to_user_string() for k in materializable_keys(defs))
        raise click.BadParameter(f"{name} is no table of the platform; one of: {', '.join(tables)}",
                                 param_hint="TABLE")
    feeding = [s for s, keys in fed_by(defs).items() if key in keys]
    return feeding or list(SOURCES)


def set_aside(uri: str, data_dir: Path) -> Path:
    """Move the damaged table under ``<data_dir>/damaged/`` (kept for inspection, out of the lake)."""
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    target = data_dir / "damaged" / f"{delta_store.repair_name(uri).replace('/', '__')}-{stamp}"
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.move(uri, target)
    return target


@click.command()
@click.argument("table")
@click.pass_context
def repair(ctx: click.Context, table: str) -> None:
    """Rebuild TABLE (layer/table, e.g. silver/deaths) from the raw zone: the damaged table is
    moved under <data dir>/damaged/, then `chu run` rebuilds it, and what reads it, from the
    files the raw zone keeps."""
    from chu_platform.cli.run import load_definitions, run

    name = table.strip().strip("/")
    if name in HISTORIES:
        raise click.ClickException(f"{name} is a history (what was delivered or done), not rebuilt from the raw "
                                   "zone: restore it from the data directory's backup")
    data_dir = Path(os.environ["CHU_DATA_DIR"])
    lake = lake_uri()
    if "://" in lake:
        raise click.ClickException(f"the lake is object storage ({lake}): move {name} aside with the store's own "
                                   "tools, then run `chu run` to rebuild it")
    sources = sources_for(load_definitions(), name)
    uri = delta_store.table_uri(lake, name.split("/"))
    with data_dir_lock(data_dir):
        if Path(uri).exists():
            click.echo(f"{name}: damaged table moved to {set_aside(uri, data_dir)}")
        else:
            click.echo(f"{name}: no table at {uri}; building it")
    click.echo(f"Rebuilding from the raw zone: chu run --sources {','.join(sources)}")
    ctx.invoke(run, sources=",".join(sources))
