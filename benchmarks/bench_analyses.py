"""The eight analyses: the platform's serving path and its fact SQL over Delta, against the same SQL on native DuckDB tables.

    uv run python -m benchmarks analyses [--data-dir=data] [--repeat=15]

Without ``--data-dir`` the gold star schema is synthesised at ``chu generate --scale 1``
volumes (100,000 patients, 1,000,000 consultations over 2015-2024, 100,000 professionals,
2,500 establishments, 15,000 diagnoses, ~60,000 stays, 600,000 deaths a year); with it, the
gold tables of that data directory are measured. Each analysis runs for the latest complete
year (the ``chu query`` default) and for the whole 2015-2024 range. The lake's pre-aggregates
(``gold/agg_*``) are brought up to date first, as ``chu run`` leaves them.
"""

from __future__ import annotations

import os
import statistics
import tempfile
import time
from datetime import date

import duckdb
import numpy as np
import polars as pl

from chu_platform.layers.gold.reference_dims import build_dim_geography
from chu_platform.lib import delta_store
from chu_platform.layers.marts import analyses
from chu_platform.layers.marts.periods import Period
from chu_platform.layers.marts.refresh import refresh_aggregates

YEARS = list(range(2015, 2025))


def _date_keys(rng: np.random.Generator, year: int, n: int) -> np.ndarray:
    day = np.datetime64(f"{year}-01-01") + rng.integers(0, 365, n).astype("timedelta64[D]")
    as_text = np.datetime_as_string(day, unit="D")
    return np.char.replace(as_text, "-", "").astype(np.int32)


def synthesise(lake: str, seed: int = 1) -> dict[str, int]:
    """Gold tables shaped like DESIGN.md's contract, at scale-1 volumes; returns row counts."""
    rng = np.random.default_rng(seed)
    persons, versions = 100_000, 110_000
    person_of = np.concatenate([np.arange(persons), rng.integers(0, persons, versions - persons)])
    birth = rng.integers(1925, 2024, persons)
    sexe = rng.choice(np.array(["M", "F"]), persons)
    pseudo = np.array([f"{h:064x}" for h in rng.integers(0, 2**63, persons)])
    tables: dict[str, pl.DataFrame] = {
        "dim_geography": build_dim_geography(),
        "dim_patient": pl.DataFrame({
            "patient_key": np.arange(1, versions + 1), "patient_pseudo": pseudo[person_of],
            "sexe": sexe[person_of], "annee_naissance": birth[person_of].astype(np.int32),
            "departement_code": "75", "region_code": "11",
        }),
        "dim_etablissement": pl.DataFrame({
            "etablissement_key": np.arange(1, 2_501), "finess": [f"{750000000 + i}" for i in range(2_500)],
            "raison_sociale": [f"Établissement {i}" for i in range(2_500)], "commune": "Paris",
            "code_postal": "75001", "departement_code": "75", "region_code": rng.choice(["11", "84", "93"], 2_500),
            "categorie": "CH",
        }),
        "dim_professionnel": pl.DataFrame({
            "professionnel_key": np.arange(1, 100_001), "identifiant": [f"1{i:010d}" for i in range(100_000)],
            "civilite": "Dr", "categorie": "Civil", "profession": "Médecin",
            "specialite": rng.choice([f"Spécialité {i}" for i in range(40)], 100_000),
            "etablissement_key": rng.integers(1, 2_501, 100_000),
        }),
        "dim_diagnostic": pl.DataFrame({
            "diagnostic_key": np.arange(1, 15_001), "code_diag": [f"{chr(65 + i % 26)}{i:04d}" for i in range(15_000)],
            "libelle": [f"Diagnostic {i}" for i in range(15_000)], "chapitre": [str(i % 22) for i in range(15_000)],
        }),
    }
    for name, df in tables.items():
        delta_store.write_table(df, delta_store.table_uri(lake, ["gold", name]))
    counts = {name: df.height for name, df in tables.items()}
    profs_etab = tables["dim_professionnel"]["etablissement_key"].to_numpy()
    for name in ("fact_consultation", "fact_hospitalisation", "fact_deces", "fact_satisfaction"):
        counts[name] = 0
    for year in YEARS:
        n = 100_000
        prof = rng.integers(1, 100_001, n)
        patient = rng.integers(1, versions + 1, n)
        facts = {
            "fact_consultation": pl.DataFrame({
                "consultation_id": np.arange(n) + (year - 2015) * n, "date_key": _date_keys(rng, year, n),
                "year": np.full(n, year, np.int32), "patient_key": patient, "professionnel_key": prof,
                "diagnostic_key": rng.zipf(1.3, n) % 15_000 + 1, "etablissement_key": profs_etab[prof - 1],
                "duree_minutes": rng.integers(10, 60, n).astype(np.int32),
            }),
        }
        stays = 6_000
        stay_patient = rng.integers(1, versions + 1, stays)
        facts["fact_hospitalisation"] = pl.DataFrame({
            "hospitalisation_id": np.arange(stays) + (year - 2015) * stays, "date_entree_key": _date_keys(rng, year, stays),
            "date_sortie_key": _date_keys(rng, year, stays), "year": np.full(stays, year, np.int32),
            "patient_key": stay_patient, "etablissement_key": rng.integers(1, 2_501, stays),
            "diagnostic_key": rng.integers(1, 15_001, stays), "duree_sejour_jours": rng.integers(1, 20, stays).astype(np.int32),
            "age_a_l_admission": (year - birth[person_of[stay_patient - 1]]).astype(np.int16),
        })
        deaths = 600_000
        facts["fact_deces"] = pl.DataFrame({
            "deces_id": np.arange(deaths) + (year - 2015) * deaths, "date_deces_key": _date_keys(rng, year, deaths),
            "year": np.full(deaths, year, np.int32), "sexe": rng.choice(["M", "F"], deaths),
            "age_au_deces": rng.integers(0, 105, deaths).astype(np.int16),
            "departement_code": "75", "region_code": rng.choice(["11", "84", "93", "abroad", "unknown"], deaths),
        })
        surveyed = 1_200
        facts["fact_satisfaction"] = pl.DataFrame({
            "etablissement_key": np.arange(1, surveyed + 1), "year": np.full(surveyed, year, np.int32),
            "region_code": rng.choice(["11", "84", "93"], surveyed), "score_global": rng.uniform(55, 85, surveyed),
            "nb_reponses": rng.integers(30, 900, surveyed),
        })
        for name, df in facts.items():
            delta_store.write_years(df, delta_store.table_uri(lake, ["gold", name]), [year])
            counts[name] += df.height
    return counts


def _time(call, repeat: int) -> tuple[list[float], list[float]]:
    """Wall-clock and CPU milliseconds (all threads of this process) per warm run.

    CPU time does not grow when other processes compete for the cores, so it shows what a
    query costs when the wall clock of a shared machine does not.
    """
    call()
    wall, cpu = [], []
    for _ in range(repeat):
        started, started_cpu = time.perf_counter(), time.process_time()
        call()
        wall.append((time.perf_counter() - started) * 1000)
        cpu.append((time.process_time() - started_cpu) * 1000)
    return wall, cpu


def native_copy(con: duckdb.DuckDBPyConnection) -> duckdb.DuckDBPyConnection:
    """The same rows as native in-memory DuckDB tables under the same names."""
    native = duckdb.connect()
    for table in analyses.GOLD_TABLES:
        try:
            arrow = con.sql(f"SELECT * FROM {table}").to_arrow_table()
        except duckdb.CatalogException:
            continue
        native.register("incoming", arrow)
        native.execute(f"CREATE TABLE {table} AS SELECT * FROM incoming")
        native.unregister("incoming")
    return native


def _cold(lake: str, name: str, period: Period) -> tuple[float, float]:
    """A fresh process's view: opening the connection (listing every gold table's Delta log),
    then the first answer on it (small tables read into memory, Parquet footers read)."""
    started = time.perf_counter()
    con = analyses.connect_gold(lake)
    opened = time.perf_counter()
    analyses.run_analysis(con, name, period)
    done = time.perf_counter()
    con.close()
    return (opened - started) * 1000, (done - opened) * 1000


def main(options: list[str]) -> None:
    data_dir, repeat = None, 15
    for option in options:
        if option.startswith("--data-dir="):
            data_dir = option.split("=", 1)[1]
        elif option.startswith("--repeat="):
            repeat = int(option.split("=", 1)[1])
    with tempfile.TemporaryDirectory() as tmp:
        if data_dir:
            lake = delta_store.lake_root(data_dir)
            print(f"gold of {lake}")
        else:
            lake = f"{tmp}/lake"
            started = time.perf_counter()
            counts = synthesise(lake)
            print(f"synthetic gold at scale-1 volumes in {time.perf_counter() - started:.1f}s: "
                  + ", ".join(f"{k} {v:,}" for k, v in counts.items()))
        started = time.perf_counter()
        written = refresh_aggregates(lake)
        print(f"pre-aggregates brought up to date: {len(written)} (analysis, year) computed in "
              f"{time.perf_counter() - started:.1f}s (the gold/agg_* assets do this in chu run)")
        delta = analyses.connect_gold(lake)
        native = native_copy(delta)
        print(f"\nload average at start: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
        print("\n*served* = run_analysis as chu query calls it (pre-aggregate when it can answer and "
              "is current, else facts); *facts* = the analysis SQL over gold's Delta files (small tables "
              "in memory, year files pruned); *native* = the same SQL on native DuckDB tables of the same rows.")
        print("\n| analysis | period | rows | served p50 ms | served from | facts p50 ms | facts p95 ms "
              "| facts CPU p50 ms | native p50 ms | facts / native | served / native |")
        print("|---|---|---:|---:|---|---:|---:|---:|---:|---:|---:|")
        colds = []
        for name in analyses.ANALYSES:
            latest = analyses.default_period(delta, name)
            years = analyses.years_present(delta, name)
            periods = [latest]
            if not analyses.get(name).yearly and len(years) > 1:
                periods.append(Period(date(years[0], 1, 1), date(years[-1], 12, 31)))
            for period in periods:
                colds.append(_cold(lake, name, period))
                served = statistics.median(_time(lambda: analyses.run_analysis(delta, name, period), repeat)[0])
                path = analyses.serving_path(delta, name, period)[0]
                wall, cpu = _time(lambda: analyses.run_analysis(delta, name, period, use_aggregates=False), repeat)
                over_delta = sorted(wall)
                base = statistics.median(_time(lambda: analyses.run_analysis(native, name, period), repeat)[0])
                rows = analyses.run_analysis(delta, name, period).height
                p50, p95 = statistics.median(over_delta), over_delta[int(0.95 * (len(over_delta) - 1))]
                print(f"| {name} | {period} | {rows:,} | {served:.1f} | {path} | {p50:.1f} | {p95:.1f} "
                      f"| {statistics.median(cpu):.1f} | {base:.1f} | {p50 / base:.2f} | {served / base:.2f} |")
        opens, firsts = zip(*colds)
        print(f"\ncold (a fresh connection per question, as one `chu query` process): opening it p50 "
              f"{statistics.median(opens):.1f} ms (max {max(opens):.1f}), then the first answer p50 "
              f"{statistics.median(firsts):.1f} ms (max {max(firsts):.1f})")
