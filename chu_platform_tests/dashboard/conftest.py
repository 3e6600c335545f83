"""A dashboard built from the marts' synthetic gold, with a Dagster instance holding check
results and an ops/query_latency history, so that every page has something to show."""

from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

import dagster as dg
import polars as pl
import pytest

from chu_platform.dashboard import build, page
from chu_platform.lib import delta_store
from chu_platform.layers.marts.analyses import connect_gold
from chu_platform.latency.benchmark import SCHEMA
from chu_platform_tests.marts.conftest import gold_in_env, synthetic_gold, write_gold  # noqa: F401 (fixture)

NOW = datetime(2026, 12, 2, 9, 0, tzinfo=UTC)
MART = dg.AssetKey(["marts", "hospitalisation_rate"])
CHECKS = {
    dg.AssetCheckKey(MART, "secrecy_applied"): "No published count of people or events between 1 and 9.",
    dg.AssetCheckKey(dg.AssetKey(["silver", "patients"]), "unique_pseudonyms"): "One row per pseudonym.",
    dg.AssetCheckKey(dg.AssetKey(["bronze", "deaths"]), "lines_reconcile"): "Lines read = rows + rejects.",
}


@dataclass
class Built:
    lake: str
    path: Path
    html: str
    doc: dict
    tables: dict[str, pl.DataFrame]

    @property
    def data(self) -> dict:
        return self.doc["data"]

    def con(self):
        return connect_gold(self.lake)


def write_side_tables(lake: str) -> None:
    """A latency history of two runs and one delivered file's load, as the platform writes them."""
    rows = []
    for run, at in enumerate((datetime(2026, 11, 30, 8, tzinfo=UTC), datetime(2026, 12, 1, 8, tzinfo=UTC))):
        for query, p50 in (("hospitalisation_rate", 12.0 + run), ("deaths_by_region", 3.5 - run)):
            rows.append({"run_id": f"r{run}", "run_at": at, "code_version": "abc", "engine": "duckdb", "layout": "year",
                         "layout_label": "partitioned by year", "query": query, "period_from": date(2020, 1, 1),
                         "period_to": date(2020, 12, 31), "repetitions": 5, "cold_ms": p50 * 2, "min_ms": p50 * 0.9,
                         "p50_ms": p50, "p95_ms": p50 * 1.2, "rows_scanned": 1000, "data_bytes": 10_000,
                         "result_rows": 3, "layout_build_s": 0.1, "host_cpus": 2, "host_ram_gib": 8.0})
    delta_store.append(pl.DataFrame(rows, schema=SCHEMA), delta_store.table_uri(lake, ["ops", "query_latency"]))
    loads = pl.DataFrame([{"entity": "deaths", "year": 2019, "file": "deces/deces-2019.txt", "fmt": "insee_fixed",
                           "raw_path": "raw/deces/2019/deces-2019.txt", "sha256": "0" * 64, "version": 1, "bytes": 4000,
                           "lines_read": 410, "rows": 400, "rejects": 10, "_ingested_at": NOW, "_run_id": "x"}])
    delta_store.write_table(loads.cast({"year": pl.Int32, "version": pl.Int32}), delta_store.table_uri(lake, ["bronze", "_loads"]))


MEDICINES = (("60234100", "SERTRALINE 50 mg"), ("61266250", "BISOPROLOL 5 mg"), ("62401060", "APIXABAN 5 mg"),
             ("64793681", "PARACETAMOL 1 g"))


def with_prescriptions(tables: dict[str, pl.DataFrame]) -> dict[str, pl.DataFrame]:
    """The synthetic gold and, for the medication charts, medicines prescribed at its
    consultations: a consultation gets the medicines whose position divides its id (so counts
    differ per medicine), as gold/fact_prescription keys them."""
    dim = pl.DataFrame({"medicament_key": list(range(1, len(MEDICINES) + 1)), "code_cis": [c for c, _ in MEDICINES],
                        "denomination": [d for _, d in MEDICINES]}, schema_overrides={"medicament_key": pl.Int64})
    visits = tables["fact_consultation"]
    rows = [{"consultation_id": c, "medicament_key": k, "date_key": d, "year": y, "patient_key": p,
             "professionnel_key": pr, "diagnostic_key": dg, "etablissement_key": e}
            for c, d, y, p, pr, dg, e in visits.select("consultation_id", "date_key", "year", "patient_key",
                                                       "professionnel_key", "diagnostic_key", "etablissement_key").iter_rows()
            for k in range(1, len(MEDICINES) + 1) if c % (k + 1) == 0]
    facts = pl.DataFrame(rows).cast({"year": pl.Int32, "date_key": pl.Int32, "medicament_key": pl.Int64})
    return {**tables, "dim_medicament": dim, "fact_prescription": facts}


def instance_with_checks() -> dg.DagsterInstance:
    instance = dg.DagsterInstance.ephemeral()
    instance.report_runless_asset_event(dg.AssetCheckEvaluation(
        asset_key=MART, check_name="secrecy_applied", passed=True, metadata={}))
    instance.report_runless_asset_event(dg.AssetCheckEvaluation(
        asset_key=dg.AssetKey(["bronze", "deaths"]), check_name="lines_reconcile", passed=False, metadata={},
        severity=dg.AssetCheckSeverity.WARN))
    return instance


@pytest.fixture(scope="package")
def built(tmp_path_factory) -> Built:
    root = tmp_path_factory.mktemp("dashboard")
    lake = str(root / "lake")
    tables = with_prescriptions(synthetic_gold())
    write_gold(lake, tables)
    write_side_tables(lake)
    doc = build.document(lake, instance_with_checks(), CHECKS, "fr", now=NOW)
    path = build.write(root / "dashboard.html", doc)
    text = path.read_text(encoding="utf-8")
    assert page.read_embedded(text) == doc
    return Built(lake, path, text, doc, tables)
