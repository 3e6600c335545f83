"""Metadata every silver and gold materialisation reports, and the loop by which a
year-partitioned asset computes every year of a range run, reporting each on its own partition."""

import hashlib
import warnings
from collections.abc import Callable

import dagster as dg
import polars as pl

from chu_platform.lib.delta_store import YEAR

from chu_platform.layers.marts.secrecy import preview_table


def null_counts(df: pl.DataFrame) -> dict[str, int]:
    """Null count of every column that has any."""
    counts = df.null_count().row(0, named=True)
    return {column: int(n) for column, n in counts.items() if n}


def column_schema(df: pl.DataFrame) -> dg.TableSchema:
    """The frame's columns and Polars types, as Dagster's standard ``dagster/column_schema``."""
    return dg.TableSchema(columns=[dg.TableColumn(name, str(dtype)) for name, dtype in df.schema.items()])


def row_metadata(df: pl.DataFrame) -> dict:
    """Dagster's standard row count and column schema of a materialised frame: the only row
    count an asset reports (the IO manager reports its write as ``rows_written``)."""
    return {"dagster/row_count": dg.MetadataValue.int(df.height), "dagster/column_schema": column_schema(df)}


def table_metadata(df: pl.DataFrame, **extra) -> dict:
    meta = {
        **row_metadata(df),
        "null_counts": dg.MetadataValue.json(null_counts(df)),
        "preview": dg.MetadataValue.md(preview_table(df)),
    }
    meta.update(extra)
    return meta


def content_version(df: pl.DataFrame) -> dg.DataVersion:
    """A version of ``df``'s content (schema and rows, in order)."""
    digest = hashlib.sha256(str(df.schema).encode())
    digest.update(df.hash_rows(seed=0).to_numpy().tobytes())
    return dg.DataVersion(digest.hexdigest()[:20])


def versioned(df: pl.DataFrame) -> dg.Output:
    """``df`` handed to the IO manager with its content as data version: what follows it (the
    gold pre-aggregates' automation) tells a dimension rebuilt identical from a changed one, and
    refreshes every year only in the second case."""
    with warnings.catch_warnings():
        # ``data_version`` is a beta parameter of Dagster 1.13: chosen here once, not news at every build.
        warnings.simplefilter("ignore", dg.BetaWarning)
        return dg.Output(df, data_version=content_version(df))


def partition_years(context) -> list[int] | None:
    """The run's years: one, or a range (a backfill run of a single-run asset); None unpartitioned."""
    if context.has_partition_key:
        return [int(context.partition_key)]
    if context.has_partition_key_range:
        return [int(key) for key in context.partition_keys]
    return None


def of_year(df: pl.DataFrame, year: int) -> pl.DataFrame:
    """The rows of ``year`` of a frame the IO manager read for several years."""
    return df.filter(pl.col(YEAR) == year) if YEAR in df.columns else df


def each_year(context: dg.AssetExecutionContext, build: Callable[[int], tuple[pl.DataFrame, dict]],
              asset_key: dg.AssetKey | None = None) -> pl.DataFrame:
    """Every year of the run, built by ``build(year) -> (frame, metadata)``, one after the other:
    each year's metadata goes on that year's partition (the UI shows a result per year), and the
    years come back as one frame with a ``year`` column, which the IO manager writes year by
    year. A year that fails does not hide the others: they are all built, then the step fails
    naming each failed year and its error, one per line (and writes nothing)."""
    frames, failures, retriable = [], [], False
    for year in partition_years(context) or []:
        name = f"{(asset_key or context.asset_key).to_user_string()} [{year}]"
        try:
            df, metadata = build(year)
        except dg.RetryRequested:
            raise
        except dg.Failure as failure:
            failures.append(f"{name}: {failure.description}")
            retriable = retriable or failure.allow_retries
            continue
        except Exception as error:
            failures.append(f"{name}: {error}")
            retriable = True
            continue
        if YEAR not in df.columns:
            df = df.with_columns(pl.lit(year, dtype=pl.Int32).alias(YEAR))
        context.add_asset_metadata({**metadata, "partition": str(year)}, asset_key=asset_key, partition_key=str(year))
        frames.append(df.with_columns(pl.col(YEAR).cast(pl.Int32)))
    if failures:
        raise dg.Failure("\n".join(failures), allow_retries=retriable)
    return pl.concat(frames, how="diagonal_relaxed") if len(frames) > 1 else frames[0]


def partition_label(years: list[int]) -> str:
    """``2019``, or ``2018-2020`` for a run over a range of years."""
    return str(years[0]) if len(years) == 1 else f"{years[0]}-{years[-1]}"
