"""Other engines' response times on the same eight questions, shown beside ours on the
response-times page: docs/benchmarks.md, "Peers" (scale 1, 1 M consultations, period 2024),
measured with `.venv/bin/python -m benchmarks peers --scale=1 --repetitions=5`, median of 5
warm runs in ms. Copied here because the docs do not ship with the package;
chu_platform_tests/dashboard/test_peers.py fails when the two differ."""

from __future__ import annotations

SOURCE = "docs/benchmarks.md, « Peers », scale 1 (1 M consultations), `python -m benchmarks peers --scale=1 --repetitions=5`"
QUERIES = ("consultations_by_establishment", "consultations_by_diagnosis", "hospitalisation_rate",
           "hospitalisations_by_diagnosis", "hospitalisations_by_sex_age", "consultations_by_professional",
           "deaths_by_region", "satisfaction_by_region")
# engine label in docs/benchmarks.md -> p50 in ms per query, in QUERIES order
_TABLE = {
    "**ours** (serving path)": (2.8, 4.3, 1.5, 3.2, 2.5, 6.4, 2.5, 3.3),
    "DuckDB, native tables (fact SQL)": (7.3, 9.7, 23.4, 7.9, 44.2, 16.7, 9.3, 9.4),
    "PostgreSQL 15.20": (39.3, 40.1, 251.2, 15.2, 793.3, 89.8, 127.0, 1.1),
    "Spark 4.3.0 local[2]": (1035.8, 446.7, 1176.7, 259.7, 2897.1, 447.8, 269.9, 236.5),
    "pandas 3.1.1": (17.8, 16.0, 203.6, 7.6, 213.1, 26.3, 76.8, 13.6),
}
_NAMES = {
    "**ours** (serving path)": {"fr": "CHU Platform, échelle 1", "en": "CHU Platform, scale 1"},
    "DuckDB, native tables (fact SQL)": {"fr": "DuckDB (tables natives)", "en": "DuckDB (native tables)"},
    "PostgreSQL 15.20": {"fr": "PostgreSQL 15", "en": "PostgreSQL 15"},
    "Spark 4.3.0 local[2]": {"fr": "Spark 4.3 (local, 2 cœurs)", "en": "Spark 4.3 (local, 2 cores)"},
    "pandas 3.1.1": {"fr": "pandas 3.1", "en": "pandas 3.1"},
}
PEERS = {
    "source": SOURCE,
    "engines": [{"label": label, "name": _NAMES[label], "p50_ms": dict(zip(QUERIES, values, strict=True))}
                for label, values in _TABLE.items()],
}
