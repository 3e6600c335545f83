"""What one gold connection reads: each table's current Delta files, listed once when it opens.

A connection from ``analyses.connect_gold`` is a snapshot. Its views name the files that were
current when it opened, and everything the serving path decides follows the same listing:
which year files a period reads, and whether a pre-aggregate still matches the facts it was
computed from. Small tables (dimensions, aggregates, small facts) are copied into the
connection's memory on first use, from those same files, so a copy is never newer or older
than the snapshot; a new connection sees new files. A connection that reads each table only
once or twice (the aggregate builds) opens with ``copy_small=False``: for it the copy costs
more than reading the files again.
"""

from __future__ import annotations

import hashlib
import re
import weakref
from collections.abc import Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import duckdb

from chu_platform.lib import warehouse

# Tables up to this many rows are read once per connection into memory: the dimensions
# and aggregates at every scale, the small facts at scale 1. Above it, a query reads the
# Delta files of the years it needs.
SMALL_TABLE_ROWS = 500_000

_SNAPSHOTS: weakref.WeakKeyDictionary[duckdb.DuckDBPyConnection, Snapshot] = weakref.WeakKeyDictionary()


@dataclass
class Snapshot:
    tables: dict[str, warehouse.DeltaFiles]
    copy_small: bool = True
    in_memory: set[str] = field(default_factory=set)
    _recorded: dict[str, dict[int, set[str]]] = field(default_factory=dict)

    @classmethod
    def open(
        cls,
        con: duckdb.DuckDBPyConnection,
        tables: Mapping[str, str],
        storage_options: dict[str, str] | None = None,
        copy_small: bool = True,
    ) -> Snapshot:
        """List each ``name -> uri`` table present and create its view on ``con``."""
        # Replaying a Delta log is mostly I/O and Rust: listing the tables side by side takes
        # about a third off opening a connection.
        with ThreadPoolExecutor(max_workers=4) as pool:
            found = dict(zip(tables, pool.map(lambda uri: warehouse.delta_files(uri, storage_options), tables.values())))
        listed = {}
        for name, files in found.items():
            if files is None:
                continue
            con.execute(f'CREATE OR REPLACE VIEW "{name}" AS {files.select()}')
            listed[name] = files
        snapshot = cls(listed, copy_small)
        _SNAPSHOTS[con] = snapshot
        return snapshot

    def years(self, name: str) -> set[int]:
        """The year partitions holding files, read from the Delta log (no data file opened)."""
        files = self.tables.get(name)
        return set() if files is None else {y for y in files.years if y is not None}

    def relation(self, con: duckdb.DuckDBPyConnection, name: str, years: Iterable[int] | None = None) -> str:
        """SQL naming table ``name`` for a query that needs only ``years``.

        A small table becomes an in-memory table (once, unless ``copy_small`` is off); a
        partitioned one otherwise a ``read_parquet`` of only the files of those years, pruned
        here from the Delta log's partition values rather than left to DuckDB's filter on the
        ``year`` column.
        """
        files = self.tables[name]
        if self.copy_small and files.rows <= SMALL_TABLE_ROWS:
            self._load(con, name)
            return f'"{name}"'
        if years is None or not files.partitioned:
            return f'"{name}"'
        return f"({files.select(years)})"

    def rewrite(self, con: duckdb.DuckDBPyConnection, text: str, tables: Iterable[str], years: Iterable[int]) -> str:
        """``text`` with each of ``tables`` read as ``relation`` says, for a query over ``years``."""
        years = list(years)
        relations = {name: self.relation(con, name, years) for name in tables if name in self.tables}
        relations = {name: r for name, r in relations.items() if r != f'"{name}"'}
        if not relations:
            return text
        # One pass, so that a file path put in for one table is never rewritten for another.
        pattern = re.compile(r"\b(" + "|".join(map(re.escape, relations)) + r")\b")
        return pattern.sub(lambda match: relations[match.group(1)], text)

    def _load(self, con: duckdb.DuckDBPyConnection, name: str) -> None:
        if name in self.in_memory:
            return
        con.execute(f'DROP VIEW IF EXISTS "{name}"')
        con.execute(f'CREATE TABLE "{name}" AS {self.tables[name].select()}')
        self.in_memory.add(name)

    def has_files(self, name: str, year: int) -> bool:
        return year in self.years(name)

    def fingerprint(self, per_year: Sequence[str], whole: Sequence[str], year: int, code: str = "") -> str:
        """What an aggregate of ``year`` is computed from: the files of year ``year`` of each
        table of ``per_year``, every file of each table of ``whole``, and ``code`` (its SQL).

        Delta never rewrites a file in place: any change to those rows (a re-run of the year,
        a compaction, a new dimension) lists other file names, hence another fingerprint; so
        does a change of the SQL that computes the aggregate.
        """
        digest = hashlib.sha256(code.encode())
        for name, wanted in [*((n, year) for n in per_year), *((n, None) for n in whole)]:
            files = self.tables.get(name)
            if files is None:
                paths = ["<no table>"]
            else:
                paths = sorted(p for p, y in zip(files.paths, files.years) if wanted is None or y == wanted)
            digest.update(f"{name}@{wanted}:{','.join(paths)}\n".encode())
        return digest.hexdigest()[:32]

    def recorded(self, con: duckdb.DuckDBPyConnection, table: str) -> dict[int, set[str]]:
        """The fingerprints an aggregate table recorded, per year (read once per connection)."""
        if table not in self._recorded:
            found: dict[int, set[str]] = {}
            if table in self.tables:
                try:
                    rows = con.execute(f"SELECT DISTINCT year, _inputs FROM {self.relation(con, table)}").fetchall()
                except duckdb.BinderException:
                    # Written by a version that kept no fingerprint: nothing in it can be trusted.
                    rows = []
                for year, inputs in rows:
                    if year is not None:
                        found.setdefault(int(year), set()).add(inputs)
            self._recorded[table] = found
        return self._recorded[table]


def of(con: duckdb.DuckDBPyConnection) -> Snapshot | None:
    """The snapshot of a connection opened by ``connect_gold``; ``None`` for any other."""
    return _SNAPSHOTS.get(con)
