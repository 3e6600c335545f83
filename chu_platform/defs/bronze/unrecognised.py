"""The table of delivered files never loaded (name unrecognised, or year outside its source's
partitions), rebuilt at every run."""

import dagster as dg
import polars as pl

from chu_platform.layers.bronze.unrecognised import unrecognised_files
from chu_platform.defs.bronze.resources import DropResource
from chu_platform.layers.marts.secrecy import preview_table


@dg.asset(key=["raw", "unrecognised_files"], group_name="raw", kinds={"delta", "polars"})
def raw_unrecognised_files(context: dg.AssetExecutionContext, drop: DropResource) -> pl.DataFrame:
    """One row per file of the drop that is not loaded (name recognised by no source, or a year outside its source's partitions), with why."""
    df = unrecognised_files(drop.client().list_files())
    if df.height:
        listing = "; ".join(f"{p} ({why.split(': ')[0]})" for p, why in df.select("path", "why").head(20).iter_rows())
        context.log.warning(
            f"{df.height} delivered file(s) not loaded (table raw/unrecognised_files): {listing}"
        )
    context.add_output_metadata({"files": dg.MetadataValue.int(df.height),
                                 "listing": dg.MetadataValue.md(preview_table(df, 50))})
    return df
