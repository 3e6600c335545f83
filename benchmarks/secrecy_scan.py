"""Scan a built data directory as a BI user and a security officer would (docs/secrecy.md).

    python -m benchmarks.secrecy_scan data

Reports: files and folders under the data directory open to group or others; the published
warehouse's tables and any count from 1 to 9 they show; the same cells exact in the analysts'
warehouse; every event stored in the Dagster instance holding a pseudonym, and every Markdown
preview cell from 1 to 9 in a secrecy-bound column.
"""

from __future__ import annotations

import os
import re
import sys

import dagster as dg
import duckdb
from dagster._serdes import serialize_value

from chu_platform.lib import delta_store
from chu_platform.lib.markdown import table_cells
from chu_platform.layers.marts.secrecy import BOUND_COUNTS, PERSONAL_COLUMNS
from chu_platform.lib.permissions import open_to_others


def _small_cells(con: duckdb.DuckDBPyConnection, table: str) -> int:
    columns = [r[0] for r in con.execute(f'DESCRIBE "{table}"').fetchall()]
    return sum(con.execute(f'SELECT count(*) FROM "{table}" WHERE "{c}" BETWEEN 1 AND 9').fetchone()[0]
               for c in BOUND_COUNTS if c in columns)


def _markdown_small(text: str) -> int:
    return sum(1 for column, cell in table_cells(text) if column in BOUND_COUNTS and re.fullmatch(r"[1-9](\.0)?", cell))


def main(data: str) -> None:
    folders = sum(1 for _ in os.walk(data))
    files = sum(len(f) for _, _, f in os.walk(data))
    opened = open_to_others(data)
    print(f"under {data}: {folders} folders, {files} files; open to group or others: {len(opened)}")
    for path, mode in opened[:20]:
        print(f"  {mode} {path}")
    public = duckdb.connect(f"{data}/warehouse.duckdb", read_only=True)
    tables = sorted(r[0] for r in public.execute("SELECT table_name FROM information_schema.tables").fetchall())
    personal = [t for t in tables if PERSONAL_COLUMNS & {r[0] for r in public.execute(f'DESCRIBE "{t}"').fetchall()}]
    row_level = [t for t in tables if t.startswith("fact_") or t == "dim_patient"]
    masked = sum(public.execute(f'SELECT count(*) FROM "{t}" WHERE masked').fetchone()[0] for t in tables
                 if "masked" in {r[0] for r in public.execute(f'DESCRIBE "{t}"').fetchall()})
    print(f"published warehouse: {len(tables)} tables; row-level about people: {row_level or 'none'}; "
          f"with a personal column: {personal or 'none'}; cells 1-9: {sum(_small_cells(public, t) for t in tables)}; "
          f"rows with masked cells: {masked}")
    analysts = duckdb.connect(f"{data}/analysts/warehouse.duckdb", read_only=True)
    exact = sum(_small_cells(analysts, t) for t in tables if t.startswith("agg_"))
    print(f"analysts' warehouse: exact agg_* cells 1-9 (withheld from the published one): {exact}")
    instance = dg.DagsterInstance.from_config(f"{data}/dagster")
    patients = delta_store.read(delta_store.table_uri(f"{data}/lake", ["gold", "dim_patient"]))
    pseudonyms = {p for p in patients["patient_pseudo"].drop_nulls().to_list() if len(p) >= 16}
    pattern = re.compile("|".join(map(re.escape, pseudonyms)))
    runs = instance.get_runs()
    events = with_pseudonym = markdown = small = 0
    for run in runs:
        for entry in instance.all_logs(run.run_id):
            events += 1
            text = serialize_value(entry)
            with_pseudonym += bool(pattern.search(text))
            for match in re.finditer(r'"md_str": "((?:[^"\\]|\\.)*)"', text):
                markdown += 1
                small += _markdown_small(match.group(1).encode().decode("unicode_escape"))
    print(f"Dagster instance: {len(runs)} runs, {events} events, {with_pseudonym} with a pseudonym; "
          f"{markdown} Markdown values, {small} preview cells 1-9 in a secrecy-bound column")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else os.environ.get("CHU_DATA_DIR", "data"))
