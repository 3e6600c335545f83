"""Polars <-> Delta IO manager: partitioned assets replace only their own years."""

from __future__ import annotations

import dagster as dg
import polars as pl

from chu_platform.lib import delta_store


def _years(context: dg.OutputContext | dg.InputContext) -> list[int] | None:
    if not context.has_asset_partitions:
        return None
    return [int(key) for key in context.asset_partition_keys]


class DeltaIOManager(dg.ConfigurableIOManager):
    """Stores each asset as a Delta table at ``<base_uri>/<layer>/<table>``.

    Year-partitioned assets must return a frame with a ``year`` column holding only the
    run's years; the write overwrites those years and nothing else. Unpartitioned assets
    overwrite the whole table. An asset returning ``None`` writes nothing.
    """

    data_dir: str = "data"
    lake_uri: str = ""
    storage_options: dict[str, str] = {}

    def _uri(self, context: dg.OutputContext | dg.InputContext) -> str:
        base = delta_store.lake_root(self.data_dir, self.lake_uri)
        return delta_store.table_uri(base, context.asset_key.path)

    def _options(self) -> dict[str, str] | None:
        return dict(self.storage_options) or None

    def handle_output(self, context: dg.OutputContext, obj: pl.DataFrame | None) -> None:
        if obj is None:
            return
        uri = self._uri(context)
        years = _years(context)
        if years is None:
            result = delta_store.write_table(obj, uri, self._options())
        else:
            if delta_store.YEAR not in obj.columns:
                obj = obj.with_columns(pl.lit(years[0], dtype=pl.Int32).alias(delta_store.YEAR))
            result = delta_store.write_years(obj, uri, years, self._options())
        context.add_output_metadata(
            {
                "row_count": dg.MetadataValue.int(result.rows),
                "delta_version": dg.MetadataValue.int(result.version),
                "table_uri": dg.MetadataValue.path(result.uri),
            }
        )

    def load_input(self, context: dg.InputContext) -> pl.DataFrame:
        uri = self._uri(context)
        years = _years(context)
        if years is not None and not delta_store.exists(uri, self._options()):
            raise FileNotFoundError(
                f"{context.asset_key.to_user_string()} has no data for {years}: materialise it first"
            )
        return delta_store.read(uri, years, self._options())
