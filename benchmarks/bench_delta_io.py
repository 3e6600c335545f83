"""Delta partition writes and DuckDB reads over current files, at a size that means something.

    uv run python -m benchmarks delta_io [--rows=N]
"""

from __future__ import annotations

import tempfile
import time

import duckdb
import numpy as np
import polars as pl

from chu_platform.lib import delta_store, warehouse


def main(options: list[str]) -> None:
    rows = 2_000_000
    for option in options:
        if option.startswith("--rows="):
            rows = int(option.split("=", 1)[1])
    years = list(range(2015, 2025))
    rng = np.random.default_rng(7)
    with tempfile.TemporaryDirectory() as tmp:
        uri = f"{tmp}/fact"
        per_year = rows // len(years)
        started = time.perf_counter()
        for year in years:
            df = pl.DataFrame(
                {
                    "year": np.full(per_year, year, dtype=np.int32),
                    "patient_key": rng.integers(0, 100_000, per_year),
                    "diagnostic_key": rng.integers(0, 15_000, per_year),
                }
            )
            delta_store.write_years(df, uri, [year])
        write_s = time.perf_counter() - started
        started = time.perf_counter()
        delta_store.write_years(df.with_columns(pl.lit(years[-1], dtype=pl.Int32).alias("year")), uri, [years[-1]])
        rewrite_s = time.perf_counter() - started
        con = duckdb.connect()
        warehouse.register_views(con, {"fact": uri})
        timings = []
        for _ in range(15):
            t0 = time.perf_counter()
            con.execute("SELECT diagnostic_key, count(*) FROM fact WHERE year = 2019 GROUP BY 1").fetchall()
            timings.append(time.perf_counter() - t0)
        timings.sort()
    print(f"rows={rows:,} years={len(years)}")
    print(f"write all partitions: {write_s:.2f}s ({rows / write_s:,.0f} rows/s)")
    print(f"replace one partition ({per_year:,} rows): {rewrite_s * 1000:.0f} ms")
    print(f"one-year group-by via DuckDB over current files: p50 {timings[len(timings) // 2] * 1000:.1f} ms, min {timings[0] * 1000:.1f} ms")
