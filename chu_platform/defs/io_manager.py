"""Polars <-> Delta IO manager: partitioned assets replace only their own years.

Write options come from the asset's definition metadata, as in dagster-polars:

``sort_by``            columns the rows are sorted on before the write (nulls last), so each
                       data file's row groups cover narrow ranges of them;
``z_order_by``         columns the written years are Z-ordered on after the write (one
                       compaction of those years' files);
``delta_write_options`` keyword arguments handed to ``write_deltalake`` (``target_file_size``,
                       ``writer_properties``...).
"""

from __future__ import annotations

from collections.abc import Mapping

import dagster as dg
import polars as pl

from chu_platform.lib import delta_store
from chu_platform.deploy.settings import resolved
from chu_platform.defs.resources import OwnerOnly, from_variable


def _years(context: dg.OutputContext | dg.InputContext) -> list[int] | None:
    if not context.has_asset_partitions:
        return None
    return [int(key) for key in context.asset_partition_keys]


def _wants_lazy(context: dg.InputContext) -> bool:
    return context.dagster_type.typing_type is pl.LazyFrame


class DeltaIOManager(OwnerOnly, dg.ConfigurableIOManager):
    """Stores each asset as a Delta table at ``<base_uri>/<layer>/<table>``.

    Year-partitioned assets must return a frame (or a ``LazyFrame``) with a ``year`` column
    holding only the run's years; the write overwrites those years and nothing else (or, with
    definition metadata ``on_schema_change: replace_table`` and a frame whose columns changed,
    the whole table: for derived tables whose other years are then stale).
    Unpartitioned assets overwrite the whole table. An asset returning ``None`` writes
    nothing. An input annotated ``pl.LazyFrame`` is scanned, not read: the asset selects
    the columns and rows it needs. An object-store lake takes its credentials from the
    ``AWS_*`` environment variables (see ``object_store``), never from this configuration.
    """

    data_dir: str = from_variable("CHU_DATA_DIR")
    lake_uri: str = from_variable("CHU_LAKE_URI")

    def _uri(self, context: dg.OutputContext | dg.InputContext) -> str:
        base = delta_store.lake_root(resolved("CHU_DATA_DIR", self.data_dir), resolved("CHU_LAKE_URI", self.lake_uri))
        return delta_store.table_uri(base, context.asset_key.path)

    def handle_output(self, context: dg.OutputContext, obj: pl.DataFrame | pl.LazyFrame | None) -> None:
        if obj is None:
            return
        if isinstance(obj, pl.LazyFrame):
            obj = obj.collect()
        meta: Mapping = context.definition_metadata or {}
        sort_by = list(meta.get("sort_by") or ())
        if sort_by:
            obj = obj.sort(sort_by, nulls_last=True, maintain_order=True)
        options = dict(meta.get("delta_write_options") or {})
        uri = self._uri(context)
        years = _years(context)
        if years is None:
            result = delta_store.write_table(obj, uri, write_options=options)
        else:
            if delta_store.YEAR not in obj.columns:
                if len(years) > 1:
                    # Stamping every row with the first year would put the other years' rows in it.
                    raise ValueError(
                        f"{context.asset_key.to_user_string()}: a run over the years {years[0]}-{years[-1]} must "
                        f"return a frame with a '{delta_store.YEAR}' column saying each row's year"
                    )
                obj = obj.with_columns(pl.lit(years[0], dtype=pl.Int32).alias(delta_store.YEAR))
            write = (delta_store.write_years_or_restart if meta.get("on_schema_change") == "replace_table"
                     else delta_store.write_years)
            result = write(obj, uri, years, write_options=options)
        # The asset reports its rows (``dagster/row_count``, on each year's partition in a range
        # run); this is the write's total, all years of the run together.
        metadata = {
            "rows_written": dg.MetadataValue.int(result.rows),
            "delta_version": dg.MetadataValue.int(result.version),
            "table_uri": dg.MetadataValue.path(result.uri),
        }
        z_order = list(meta.get("z_order_by") or ())
        if z_order:
            compacted = delta_store.compact(uri, z_order=z_order, years=years)
            metadata["z_ordered_by"] = ", ".join(z_order)
            metadata["delta_version"] = dg.MetadataValue.int(delta_store.version(uri))
            metadata["files_rewritten"] = int(compacted.get("numFilesRemoved", 0))
        if sort_by:
            metadata["sorted_by"] = ", ".join(sort_by)
        metadata["data_files" if years is None else "data_files_in_partition"] = len(delta_store.current_files(uri, years=years))
        context.add_output_metadata(metadata)

    def load_input(self, context: dg.InputContext) -> pl.DataFrame | pl.LazyFrame:
        uri = self._uri(context)
        years = _years(context)
        if years is not None and not delta_store.exists(uri):
            raise FileNotFoundError(
                f"{context.asset_key.to_user_string()} has no data for {years}: materialise it first"
            )
        if _wants_lazy(context):
            return delta_store.scan(uri, years)
        return delta_store.read(uri, years)
