"""Running silver and gold in process over bronze tables written to a temporary lake.

Bronze assets belong to another layer; here they are stand-in specs over Delta tables the
tests write themselves, so silver and gold are exercised exactly as in production.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import dagster as dg
import polars as pl

from chu_platform.defs.gold import checks as gold_checks
from chu_platform.defs.gold import dimension_assets, fact_assets, reference_assets
from chu_platform.defs.resources import ChuSettings
from chu_platform.defs.silver.resources import PseudonymKey
from chu_platform.defs.silver import assets as silver_assets
from chu_platform.defs.silver import checks as silver_checks
from chu_platform.lib import delta_store
from chu_platform.defs.io_manager import DeltaIOManager
from chu_platform.defs.partitions import BY_SOURCE

PARTITIONED_BRONZE = ("care_consultations", "deaths", "satisfaction")
# Each partitioned bronze table's partitioning: its source family's years.
BRONZE_YEARS = {"care_consultations": BY_SOURCE["care"], "deaths": BY_SOURCE["deaths"],
                "satisfaction": BY_SOURCE["satisfaction"]}
BRONZE = ("care_patients", "care_memberships", "care_professionals", "care_specialties", "care_diagnostics",
          "professionals", "professional_activities", "establishments", "finess_establishments", "hospitalisations",
          *PARTITIONED_BRONZE)


def write_bronze(data_dir: Path, tables: dict[str, pl.DataFrame]) -> None:
    lake = delta_store.lake_root(str(data_dir))
    for name, df in tables.items():
        uri = delta_store.table_uri(lake, ["bronze", name])
        if name in PARTITIONED_BRONZE:
            delta_store.write_years(df, uri, sorted(set(df["year"].to_list())))
        else:
            delta_store.write_table(df, uri)


def _defs_of(module) -> list:
    values = [d for v in vars(module).values() for d in (v if isinstance(v, list) else [v])]
    return [v for v in values if isinstance(v, dg.AssetsDefinition | dg.AssetChecksDefinition)]


def all_definitions() -> list:
    specs = [dg.AssetSpec(["bronze", n], partitions_def=BRONZE_YEARS.get(n))
             for n in BRONZE]
    modules = (silver_assets, silver_checks, reference_assets, dimension_assets, fact_assets, gold_checks)
    return specs + [d for m in modules for d in _defs_of(m)]


def resources(data_dir: Path, source_dsn: str = "") -> dict:
    return {"settings": ChuSettings(data_dir=str(data_dir), landing_dir=str(data_dir / "landing"), source_dsn=source_dsn),
            "io_manager": DeltaIOManager(data_dir=str(data_dir)),
            "pseudonym": PseudonymKey(key="test-key-not-secret")}


SILVER_UNPARTITIONED = [["silver", t] for t in ("patients", "professionals", "establishments", "diagnoses")]
# Partitioned by the register file's year; silver/deaths reads all of them.
SILVER_DECLARATIONS = [["silver", "death_declarations"]]
SILVER_PARTITIONED = [["silver", t] for t in ("consultations", "hospitalisations", "deaths", "satisfaction")]
GOLD_UNPARTITIONED = [["gold", t] for t in ("dim_date", "dim_geography", "dim_diagnostic", "dim_patient")]
GOLD_DIMS_SECOND = [["gold", "dim_etablissement"]]
GOLD_DIMS_THIRD = [["gold", "dim_professionnel"]]
GOLD_FACTS = [["gold", t] for t in ("fact_consultation", "fact_hospitalisation", "fact_deces", "fact_satisfaction")]


def materialize(data_dir: Path, keys: Sequence[list[str]], partition: str | None = None) -> dg.ExecuteInProcessResult:
    return dg.materialize(
        all_definitions(), selection=[dg.AssetKey(k) for k in keys], partition_key=partition,
        resources=resources(data_dir), raise_on_error=False,
    )


def materialize_year(data_dir: Path, keys: Sequence[list[str]], year: int) -> list[dg.ExecuteInProcessResult]:
    """One run per partitioning (a Dagster run has one) for the assets that offer ``year``."""
    partitioning = {k: d.partitions_def for d in all_definitions() if isinstance(d, dg.AssetsDefinition) for k in d.keys}
    groups: dict[str, list[list[str]]] = {}
    for key in keys:
        partitions_def = partitioning[dg.AssetKey(key)]
        if partitions_def.has_partition_key(str(year)):
            groups.setdefault(str(partitions_def), []).append(key)
    return [materialize(data_dir, group, str(year)) for group in groups.values()]


def run_all(data_dir: Path, years: Sequence[int]) -> list[dg.ExecuteInProcessResult]:
    results = [materialize(data_dir, SILVER_UNPARTITIONED)]
    results += [materialize(data_dir, SILVER_DECLARATIONS, str(y)) for y in years]
    results += [r for y in years for r in materialize_year(data_dir, SILVER_PARTITIONED, y)]
    for stage in (GOLD_UNPARTITIONED, GOLD_DIMS_SECOND, GOLD_DIMS_THIRD):
        results.append(materialize(data_dir, stage))
    results += [r for y in years for r in materialize_year(data_dir, GOLD_FACTS, y)]
    return results


def read(data_dir: Path, layer: str, table: str, years: Sequence[int] | None = None) -> pl.DataFrame:
    return delta_store.read(delta_store.table_uri(delta_store.lake_root(str(data_dir)), [layer, table]), years)


def check_outcomes(results: Sequence[dg.ExecuteInProcessResult]) -> dict[str, list[bool]]:
    outcomes: dict[str, list[bool]] = {}
    for result in results:
        for evaluation in result.get_asset_check_evaluations():
            outcomes.setdefault(evaluation.check_name, []).append(evaluation.passed)
    return outcomes
