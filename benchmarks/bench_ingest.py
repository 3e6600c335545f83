"""Ingestion speed: the deaths register raw -> bronze, care-DB drivers, sensor latency.

    .venv/bin/python -m benchmarks ingest [--lines=600000] [--years=10] [--workers=2]
        [--care-rows=2000000] [--latency-samples=3] [--pg=postgresql://postgres@127.0.0.1:5432/postgres]

``--care-rows=0`` / ``--latency-samples=0`` skip those parts; ``--latency-samples`` runs the
real Dagster daemon on the project's workspace. ``--workers`` partition runs
go at a time, as the daemon runs one year partition per run process. Register files are made here
(INSEE fixed width, 0.1 % truncated lines) so the benchmark needs no other module.
"""

from __future__ import annotations

import io
import multiprocessing
import os
import resource
import tempfile
import time
from contextlib import closing
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import polars as pl

from chu_platform.schemas.sources import DEATHS_FIXED_WIDTH, DEATHS_LINE_WIDTH

LOCAL_PG = "postgresql://postgres@127.0.0.1:5432/postgres"


def _options(options: list[str]) -> dict[str, str]:
    return dict(o[2:].split("=", 1) for o in options if o.startswith("--") and "=" in o)


def register_bytes(lines: int, year: int, seed: int) -> bytes:
    """``lines`` fixed-width lines of year ``year`` built from 5,000 distinct rows."""
    rng = np.random.default_rng(seed)
    templates = []
    for i in range(5000):
        values = {
            "nomprenom": f"NOM{i:05d}*PRENOM {rng.integers(1000)}/", "sexe": str(1 + i % 2),
            "datenaiss": f"19{rng.integers(10, 99)}0{1 + i % 9}1{i % 9}", "lieunaiss": f"{rng.integers(1000, 95999):05d}",
            "commnaiss": "COMMUNE", "paysnaiss": "", "datedeces": f"{year}0{1 + i % 9}2{i % 9}",
            "lieudeces": f"{rng.integers(1000, 95999):05d}", "actedeces": str(rng.integers(1, 9999)),
        }
        templates.append("".join(values[n].ljust(e - s + 1) for n, s, e in DEATHS_FIXED_WIDTH).encode() + b"\n")
    table = np.frombuffer(b"".join(templates), dtype=f"S{DEATHS_LINE_WIDTH + 1}")
    grid = np.frombuffer(table[rng.integers(0, len(table), lines)].tobytes(), dtype=np.uint8)
    grid = grid.reshape(lines, DEATHS_LINE_WIDTH + 1)
    keep = np.ones(grid.shape, dtype=bool)
    # 0.1 % of lines truncated at 150 characters, as a damaged transfer leaves them.
    keep[rng.choice(lines, lines // 1000, replace=False), 150:DEATHS_LINE_WIDTH] = False
    return grid[keep].tobytes()


def ingest_file(path: str, lake: str) -> tuple[int, int, float, int, float]:
    """One raw file -> its bronze Delta partition, as one partition run does: lines,
    rejects, seconds spent reading and parsing, this process's peak RSS, CPU seconds used
    (all threads) for the whole file."""
    from chu_platform.layers.bronze.deaths import parse_fixed
    from chu_platform.layers.bronze.lines import read_file, split_lines
    from chu_platform.lib import delta_store

    year = int(Path(path).stem.split("-")[1])
    cpu_started = time.process_time()
    started = time.perf_counter()
    parsed = parse_fixed(split_lines(read_file(path)))
    parsing = time.perf_counter() - started
    frame = parsed.rows.with_columns(
        pl.lit(Path(path).name).alias("_source_file"), pl.lit(datetime.now(UTC)).alias("_ingested_at"),
        pl.lit("bench").alias("_run_id"), pl.lit(year, dtype=pl.Int32).alias("year"),
    )
    delta_store.write_years(frame, f"{lake}/bronze/deaths", [year])
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    return parsed.lines_read, parsed.rejects.height, parsing, peak, time.process_time() - cpu_started


def _warm(_: int) -> None:
    import chu_platform.layers.bronze.deaths  # noqa: F401  (imports are not part of the measure)
    import chu_platform.lib.delta_store  # noqa: F401


def bench_deaths(lines: int, years: int, workers: int) -> None:
    with tempfile.TemporaryDirectory(prefix="ingest-bench-") as tmp:
        paths = []
        for i, year in enumerate(range(2015, 2015 + years)):
            paths.append(str(Path(tmp, f"deces-{year}.txt")))
            Path(paths[-1]).write_bytes(register_bytes(lines, year, i))
        size = sum(Path(p).stat().st_size for p in paths)
        context = multiprocessing.get_context("spawn")
        with context.Pool(workers) as pool:
            pool.map(_warm, range(workers))
            started = time.perf_counter()
            results = pool.starmap(ingest_file, [(p, f"{tmp}/lake") for p in paths])
            seconds = time.perf_counter() - started
        from chu_platform.lib import delta_store

        stored = delta_store.read(f"{tmp}/lake/bronze/deaths").height
    total = sum(r[0] for r in results)
    rejects = sum(r[1] for r in results)
    parsing = sum(r[2] for r in results)
    peak = max(r[3] for r in results)
    cpu = sum(r[4] for r in results)
    cores = os.cpu_count() or 1
    print(f"deaths register: {years} files x {lines:,} lines ({size / 1e6:,.0f} MB) raw -> bronze Delta, "
          f"{workers} partition run(s) at a time")
    print(f"  {total:,} lines in {seconds:.2f}s = {total / seconds:,.0f} lines/s; rejects {rejects:,}; "
          f"{stored:,} rows in the table; peak RSS per run process {peak / 1e9:.2f} GB "
          f"(all processes <= {workers * peak / 1e9:.2f} GB)")
    print(f"  read + split + parse {parsing:.2f} CPU-side s in total ({total / parsing:,.0f} lines/s per process); "
          f"load average {os.getloadavg()[0]:.1f} on {cores} cores")
    print(f"  CPU time {cpu:.2f}s for {total:,} lines: {total / cpu:,.0f} lines per CPU-second, i.e. "
          f"{total * cores / cpu:,.0f} lines/s if the {cores} cores were free for it")


def _care_table(dsn: str, rows: int) -> None:
    import psycopg2

    with closing(psycopg2.connect(dsn)) as con, con.cursor() as cur:
        cur.execute('DROP TABLE IF EXISTS "Consultation"')
        cur.execute('CREATE TABLE "Consultation" ("Num_consultation" integer PRIMARY KEY, "Id_mut" integer, '
                    '"Id_patient" integer, "Id_prof_sante" text, "Code_diag" text, "Motif" text, "Date" date, '
                    '"Heure_debut" time, "Heure_fin" time)')
        cur.execute(
            'INSERT INTO "Consultation" SELECT g, g %% 200, g %% 100000, \'P\' || (g %% 3000), \'C\' || (g %% 900), '
            "'Motif ' || (g %% 77), date '2015-01-01' + (g %% 3650), time '08:00' + (g %% 600) * interval '1 minute', "
            "time '08:30' + (g %% 600) * interval '1 minute' FROM generate_series(1, %s) g", (rows,))
        cur.execute('ANALYZE "Consultation"')
        con.commit()


def bench_care(server_dsn: str, rows: int, repeats: int = 3) -> None:
    import psycopg2

    from chu_platform.layers.bronze import care
    from chu_platform.lib import postgres

    dsn = postgres.create_database(server_dsn, "chu_bench_ingest", replace=True)
    try:
        _care_table(dsn, rows)
        sql = care.select_sql(care.CARE_ENTITIES["care_consultations"])

        def adbc() -> int:
            return pl.read_database_uri(sql, dsn, engine="adbc").height

        def copy_csv() -> int:
            buffer = io.BytesIO()
            with closing(psycopg2.connect(dsn)) as con, con.cursor() as cur:
                cur.copy_expert(f"COPY ({sql}) TO STDOUT WITH (FORMAT csv, HEADER true)", buffer)
            return pl.read_csv(buffer.getvalue(), infer_schema=False).height

        def psycopg_rows() -> int:
            with closing(psycopg2.connect(dsn)) as con, con.cursor() as cur:
                cur.execute(sql)
                names = [d[0] for d in cur.description]
                return pl.DataFrame(cur.fetchall(), schema=names, orient="row").height

        print(f"care extraction: {rows:,} consultation rows, every column ::text, best of {repeats}")
        for name, method in (("adbc", adbc), ("copy_csv", copy_csv), ("psycopg", psycopg_rows)):
            times = []
            for _ in range(repeats):
                started = time.perf_counter()
                assert method() == rows
                times.append(time.perf_counter() - started)
            print(f"  {name:9s} best {min(times):.2f}s  median {sorted(times)[len(times) // 2]:.2f}s  "
                  f"({rows / min(times):,.0f} rows/s)")
    finally:
        postgres.drop_database(server_dsn, "chu_bench_ingest")


def _committed_rows(uri: str, year: int) -> int:
    from chu_platform.lib import delta_store

    if not delta_store.exists(uri):
        return 0
    return delta_store.read(uri, [year]).height


def bench_latency(samples: int, lines: int = 600_000) -> None:
    """The real thing: ``dagster-daemon run`` on this project's workspace, a register file
    appearing in the drop (renamed in, as an upload finishing under a temporary name does),
    timed until its bronze partition is committed. Each run's record splits the time into
    sensor (arrival -> run created), launch (created -> run process started) and run."""
    from benchmarks.daemon import Daemon
    from chu_platform.lib import delta_store

    rng = np.random.default_rng(3)
    results = []
    with tempfile.TemporaryDirectory(prefix="ingest-daemon-") as tmp:
        landing, data, staging = Path(tmp, "landing"), Path(tmp, "data"), Path(tmp, "staging")
        for folder in (landing, data, staging):
            folder.mkdir()
        uri = delta_store.table_uri(delta_store.lake_root(str(data)), ["bronze", "deaths"])
        with Daemon(data, landing, Path(tmp, "daemon.log")) as daemon:
            print(f"daemon up, sensor ticking after {daemon.ticking():.1f}s")
            for sample in range(samples):
                year = 2000 + sample
                staged = Path(staging, f"deces-{year}.txt")
                staged.write_bytes(register_bytes(lines, year, sample))
                time.sleep(float(rng.uniform(0, 10)))  # arrive at a random point of the sensor's cycle
                arrived_wall = time.time()
                staged.rename(Path(landing, staged.name))
                committed = daemon.wait(lambda y=year: _committed_rows(uri, y) > 0, f"deces-{year}.txt in bronze")
                record = daemon.latest_run({"dagster/partition": str(year)})
                created = record.create_timestamp.timestamp() - arrived_wall
                launched = (record.start_time or 0) - arrived_wall
                results.append(committed)
                print(f"  sample {sample + 1}: committed {committed:.1f}s after arrival = sensor {created:.1f}s "
                      f"+ launch {launched - created:.1f}s + run {committed - launched:.1f}s")
    print(f"landing -> bronze committed with the daemon: max {max(results):.1f}s, "
          f"mean {sum(results) / len(results):.1f}s over {len(results)} samples ({lines:,}-line register files)")


def main(options: list[str]) -> None:
    values = _options(options)
    lines, years = int(values.get("lines", 600_000)), int(values.get("years", 10))
    care_rows = int(values.get("care-rows", 2_000_000))
    samples = int(values.get("latency-samples", 3))
    bench_deaths(lines, years, int(values.get("workers", 2)))
    if care_rows:
        bench_care(values.get("pg", os.environ.get("CHU_BENCH_PG_DSN", LOCAL_PG)), care_rows)
    if samples:
        bench_latency(samples)
