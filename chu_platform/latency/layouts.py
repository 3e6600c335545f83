"""Physical layouts of the same gold rows, built in a scratch area, each queried the same way.

Gold itself is never touched: every alternative is a copy under ``<data_dir>/ops/layouts``,
rebuilt only when a gold table's Delta version changed since the copy was made.

* ``delta_partitioned``   gold as the platform writes it: Delta, one folder per year.
* ``delta_unpartitioned`` the same rows in one unpartitioned Delta table per fact.
* ``delta_fragmented``    year partitions made of many small files (micro-batch appends)
                          for the benchmarked period's years.
* ``delta_compacted``     the fragmented copy after ``delta_store.compact`` with Z-order.
* ``duckdb_native``       the same rows copied into native DuckDB tables.
* ``mart_preaggregated``  each analysis' answer for the period, stored as a small table.
* ``served``              gold as ``chu query`` answers it: the per-year pre-aggregates
                          (``gold/agg_*``) when they can answer and match gold, else the facts.

The Delta layouts are read as the platform reads gold (``marts.snapshot``: small tables in
memory, year files pruned from the Delta log), on the fact SQL.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import duckdb
import polars as pl
import pyarrow as pa
import pyarrow.compute as pc
from deltalake import DeltaTable

from chu_platform.lib import delta_store, warehouse
from chu_platform.layers.marts import aggregates, analyses, snapshot
from chu_platform.layers.marts.periods import Period

FACT_ORDER: dict[str, tuple[str, ...]] = {
    "fact_consultation": ("date_key", "etablissement_key"),
    "fact_hospitalisation": ("date_entree_key", "diagnostic_key"),
    "fact_deces": ("date_deces_key", "region_code"),
    "fact_satisfaction": ("region_code", "etablissement_key"),
}
FACTS = tuple(FACT_ORDER)


@dataclass(frozen=True)
class Layout:
    name: str
    label: str


LAYOUTS: dict[str, Layout] = {
    layout.name: layout
    for layout in (
        Layout("delta_partitioned", "Delta, year partitions (gold)"),
        Layout("delta_unpartitioned", "Delta, unpartitioned"),
        Layout("delta_fragmented", "Delta, year partitions, small files"),
        Layout("delta_compacted", "Delta, year partitions, compacted + Z-ordered"),
        Layout("duckdb_native", "Native DuckDB tables"),
        Layout("mart_preaggregated", "Pre-aggregated mart"),
        Layout("served", "Serving path (gold/agg_* when current)"),
    )
}
REFERENCE = "delta_partitioned"
NATIVE_FILE = "native.duckdb"
_BLOCK_BYTES = 262_144


def check_names(names: list[str]) -> list[str]:
    unknown = [n for n in names if n not in LAYOUTS]
    if unknown:
        raise ValueError(f"unknown layout(s) {unknown}; choose among: {', '.join(LAYOUTS)}")
    return names


def gold_tables(lake: str) -> dict[str, str]:
    """``name -> uri`` of the gold tables present in the lake."""
    tables = {t: delta_store.table_uri(lake, ["gold", t]) for t in analyses.GOLD_TABLES}
    return {name: uri for name, uri in tables.items() if delta_store.exists(uri)}


def tables_read(name: str) -> tuple[str, ...]:
    """The gold tables an analysis' SQL reads."""
    return analyses.get(name).tables


def _versions(gold: dict[str, str]) -> dict[str, int]:
    return {name: DeltaTable(uri).version() for name, uri in sorted(gold.items())}


class LayoutStore:
    """Builds (or reuses) each layout's copy of gold and opens DuckDB connections on it."""

    def __init__(self, gold: dict[str, str], root: Path, period: Period, fragments: int = 16) -> None:
        self.gold = gold
        self.root = Path(root)
        self.period = period
        self.fragments = fragments
        self._bytes: dict[str, int] = {}

    def _stamp(self, layout: str) -> dict:
        stamp = {"gold": _versions(self.gold), "fragments": self.fragments}
        if layout == "mart_preaggregated":
            stamp["period"] = str(self.period)
        return stamp

    def build(self, layout: str) -> bool:
        """Make the layout's copy current; returns whether it had to be rebuilt."""
        if layout in (REFERENCE, "served"):
            return False
        folder = self.root / layout
        manifest = folder / "_built_from.json"
        stamp = self._stamp(layout)
        if manifest.exists() and json.loads(manifest.read_text()) == stamp:
            return False
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)
        builders: dict[str, Callable[[Path], None]] = {
            "delta_unpartitioned": self._unpartitioned,
            "delta_fragmented": self._fragmented,
            "delta_compacted": self._compacted,
            "duckdb_native": self._native,
            "mart_preaggregated": self._marts,
        }
        builders[layout](folder)
        manifest.write_text(json.dumps(stamp))
        return True

    def _facts(self):
        """Each fact present in gold with its years, read from the partition values only."""
        for fact in FACTS:
            if fact in self.gold:
                with self._delta_connection({fact: self.gold[fact]}) as con:
                    rows = con.execute(f"SELECT DISTINCT {delta_store.YEAR} FROM {fact} ORDER BY 1").fetchall()
                yield fact, [int(y) for (y,) in rows]

    def _unpartitioned(self, folder: Path) -> None:
        for fact, years in self._facts():
            uri = str(folder / fact)
            for index, year in enumerate(years):
                frame = delta_store.read(self.gold[fact], [year])
                (delta_store.write_table if index == 0 else delta_store.append)(frame, uri)

    def _fragmented(self, folder: Path) -> None:
        """Years of the benchmarked period in ``fragments`` small files each; the other years,
        which partition pruning never opens, in one write each to keep the build short."""
        period_years = set(range(self.period.start.year, self.period.end.year + 1))
        for fact, years in self._facts():
            uri = str(folder / fact)
            for year in years:
                frame = delta_store.read(self.gold[fact], [year])
                pieces = self.fragments if year in period_years else 1
                size = max(1, -(-frame.height // pieces))
                for index, start in enumerate(range(0, frame.height, size)):
                    piece = frame.slice(start, size)
                    if index == 0:
                        delta_store.write_years(piece, uri, [year])
                    else:
                        delta_store.append(piece, uri)

    def _compacted(self, folder: Path) -> None:
        self._fragmented(folder)
        for fact, _ in self._facts():
            delta_store.compact(str(folder / fact), z_order=FACT_ORDER[fact])

    def _native(self, folder: Path) -> None:
        with duckdb.connect(str(folder / NATIVE_FILE)) as con:
            for name, uri in self.gold.items():
                order = ", ".join(FACT_ORDER.get(name, ()))
                select = warehouse.delta_select(uri)
                sql = f'CREATE TABLE "{name}" AS {select}' + (f" ORDER BY {order}" if order else "")
                con.execute(sql)

    def _marts(self, folder: Path) -> None:
        with self._delta_connection(self.gold) as con:
            for name in analyses.ANALYSES:
                if not set(analyses.get(name).tables) <= set(self.gold):
                    continue
                answer = analyses.run_analysis(con, name, self.period)
                delta_store.write_table(answer, str(folder / name))

    def table_uris(self, layout: str) -> dict[str, str]:
        """Where each gold table of the layout lives (dimensions stay in gold)."""
        if layout in (REFERENCE, "duckdb_native", "mart_preaggregated"):
            return dict(self.gold)
        if layout == "served":
            aggregate_tables = {a.table: self._gold_uri(a.table) for a in aggregates.AGGREGATES.values()}
            return {**self.gold, **aggregate_tables}
        folder = self.root / layout
        return {name: str(folder / name) if name in FACT_ORDER else uri for name, uri in self.gold.items()}

    def _gold_uri(self, table: str) -> str:
        """Where gold keeps ``table``, beside the tables this store was given."""
        return f"{next(iter(self.gold.values())).rsplit('/', 1)[0]}/{table}"

    @staticmethod
    def _delta_connection(tables: dict[str, str]) -> duckdb.DuckDBPyConnection:
        con = duckdb.connect()
        con.execute("SET parquet_metadata_cache = true")
        snapshot.Snapshot.open(con, tables)
        return con

    def connect(self, layout: str) -> duckdb.DuckDBPyConnection:
        """A fresh connection whose gold table names read the layout's copy."""
        if layout == "duckdb_native":
            return duckdb.connect(str(self.root / layout / NATIVE_FILE), read_only=True)
        if layout == "mart_preaggregated":
            folder = self.root / layout
            return self._delta_connection({f"mart_{n}": str(folder / n) for n in analyses.ANALYSES if (folder / n).exists()})
        return self._delta_connection(self.table_uris(layout))

    def query(self, layout: str) -> Callable[[duckdb.DuckDBPyConnection, str], pl.DataFrame]:
        """How the layout answers an analysis for the period."""
        if layout == "mart_preaggregated":
            start, end = self.period.start, self.period.end

            def lookup(con: duckdb.DuckDBPyConnection, name: str) -> pl.DataFrame:
                sql = f"SELECT * FROM mart_{name} WHERE period_from = $start AND period_to = $end"
                return pl.from_arrow(con.sql(sql, params={"start": start, "end": end}).to_arrow_table())

            return lookup
        if layout == "served":
            return lambda con, name: analyses.run_analysis(con, name, self.period)
        return lambda con, name: analyses.run_analysis(con, name, self.period, use_aggregates=False)

    def data_bytes(self, layout: str, name: str) -> int:
        """On-disk bytes of what the layout reads to answer ``name``."""
        if layout == "mart_preaggregated":
            return self._table_bytes(str(self.root / layout / name))
        if layout == "served":
            uri = self._gold_uri(aggregates.AGGREGATES[name].table)
            if delta_store.exists(uri):
                return self._table_bytes(uri)
            layout = REFERENCE
        if layout == "duckdb_native":
            with duckdb.connect(str(self.root / layout / NATIVE_FILE), read_only=True) as con:
                blocks = 0
                for table in tables_read(name):
                    sql = f"SELECT count(DISTINCT block_id) FROM pragma_storage_info('{table}') WHERE block_id >= 0"
                    blocks += con.execute(sql).fetchall()[0][0]
            return blocks * _BLOCK_BYTES
        uris = self.table_uris(layout)
        return sum(self._table_bytes(uris[t]) for t in tables_read(name) if t in uris)

    def _table_bytes(self, uri: str) -> int:
        if uri not in self._bytes:
            self._bytes[uri] = _delta_bytes(uri)
        return self._bytes[uri]


def _delta_bytes(uri: str) -> int:
    actions = pa.table(DeltaTable(uri).get_add_actions(flatten=True))
    return int(pc.sum(actions.column("size_bytes")).as_py() or 0)
