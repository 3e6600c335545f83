"""Gold asset checks: contracts, referential integrity, reconciliation, completeness, plausibility.

A contract check blocks (bad data must not reach the marts); the others warn, with the
failing count and a sample, because a data steward decides what to do with them.
"""

import dagster as dg

from chu_platform.defs.resources import ChuSettings
from chu_platform.defs.silver.checks import build_completeness_check, build_contract_check, read_checked
from chu_platform.defs.silver.metadata import partition_year
from chu_platform.gold import quality
from chu_platform.lib import delta_store
from chu_platform.silver.report import markdown_table
from chu_platform.sources import ESATIS_MIN_ANSWERS

WARN = dg.AssetCheckSeverity.WARN

dim_patient_contract = build_contract_check("gold", "dim_patient")
dim_etablissement_contract = build_contract_check("gold", "dim_etablissement")
dim_professionnel_contract = build_contract_check("gold", "dim_professionnel")
dim_diagnostic_contract = build_contract_check("gold", "dim_diagnostic")
fact_consultation_contract = build_contract_check("gold", "fact_consultation")
fact_hospitalisation_contract = build_contract_check("gold", "fact_hospitalisation")
fact_deces_contract = build_contract_check("gold", "fact_deces")
fact_satisfaction_contract = build_contract_check("gold", "fact_satisfaction")

# fact column -> (dimension table, dimension column)
REFERENCES = {
    "fact_consultation": {
        "date_key": ("dim_date", "date_key"), "patient_key": ("dim_patient", "patient_key"),
        "professionnel_key": ("dim_professionnel", "professionnel_key"),
        "diagnostic_key": ("dim_diagnostic", "diagnostic_key"),
        "etablissement_key": ("dim_etablissement", "etablissement_key"),
    },
    "fact_hospitalisation": {
        "date_entree_key": ("dim_date", "date_key"), "date_sortie_key": ("dim_date", "date_key"),
        "patient_key": ("dim_patient", "patient_key"), "etablissement_key": ("dim_etablissement", "etablissement_key"),
        "diagnostic_key": ("dim_diagnostic", "diagnostic_key"),
    },
    "fact_deces": {
        "date_deces_key": ("dim_date", "date_key"), "departement_code": ("dim_geography", "departement_code"),
    },
    "fact_satisfaction": {
        "etablissement_key": ("dim_etablissement", "etablissement_key"), "region_code": ("dim_geography", "region_code"),
    },
}


def _failing(passed: bool, count: int, sample, **extra) -> dg.AssetCheckResult:
    return dg.AssetCheckResult(
        passed=passed, severity=WARN,
        metadata={"failing_rows": dg.MetadataValue.int(count), "sample": dg.MetadataValue.md(markdown_table(sample, 10)), **extra},
    )


def build_integrity_check(fact: str) -> dg.AssetChecksDefinition:
    references = REFERENCES[fact]
    dims = sorted({dim for dim, _ in references.values()})

    @dg.asset_check(
        asset=dg.AssetKey(["gold", fact]), name=f"{fact}_keys_in_dimensions",
        additional_deps=[dg.AssetKey(["gold", d]) for d in dims],
        description=f"Every key of gold/{fact} is a member of its dimension ({', '.join(dims)}); -1 is a member.",
    )
    def integrity(context: dg.AssetCheckExecutionContext, settings: ChuSettings) -> dg.AssetCheckResult:
        df = read_checked(context, settings, ["gold", fact])
        tables = {d: delta_store.read(settings.table_uri("gold", d)) for d in dims}
        resolved = {col: (tables[dim], dim_col) for col, (dim, dim_col) in references.items()}
        counts = quality.orphan_counts(df, resolved)
        bad = next((c for c, n in counts.items() if n), None)
        sample = quality.orphans(df, bad, *resolved[bad]) if bad else df.head(0)
        return _failing(sum(counts.values()) == 0, sum(counts.values()), sample,
                        orphans_by_key=dg.MetadataValue.json(counts))

    return integrity


def build_reconciliation_check(fact: str, silver: str) -> dg.AssetChecksDefinition:
    @dg.asset_check(
        asset=dg.AssetKey(["gold", fact]), name=f"{fact}_reconciles_with_silver",
        additional_deps=[dg.AssetKey(["silver", silver])],
        description=f"gold/{fact} has exactly as many rows per year as silver/{silver}: no row lost or doubled.",
    )
    def reconciliation(context: dg.AssetCheckExecutionContext, settings: ChuSettings) -> dg.AssetCheckResult:
        gold_counts = quality.per_year_counts(read_checked(context, settings, ["gold", fact]))
        silver_counts = quality.per_year_counts(read_checked(context, settings, ["silver", silver]))
        years = sorted(set(gold_counts) | set(silver_counts))
        gaps = {str(y): gold_counts.get(y, 0) - silver_counts.get(y, 0) for y in years if gold_counts.get(y, 0) != silver_counts.get(y, 0)}
        return dg.AssetCheckResult(
            passed=not gaps, severity=WARN,
            metadata={
                "year": str(partition_year(context) or "all"),
                "gold_rows": dg.MetadataValue.int(sum(gold_counts.values())),
                "silver_rows": dg.MetadataValue.int(sum(silver_counts.values())),
                "difference_by_year": dg.MetadataValue.json(gaps),
            },
        )

    return reconciliation


def build_unknown_share_check(fact: str, column: str, threshold: float, guards: str) -> dg.AssetChecksDefinition:
    @dg.asset_check(
        asset=dg.AssetKey(["gold", fact]), name=f"{fact}_{column}_unknown_share",
        description=f"At most {threshold:.0%} of gold/{fact} rows lack a {column} (null or -1): {guards}",
    )
    def unknown_share(context: dg.AssetCheckExecutionContext, settings: ChuSettings) -> dg.AssetCheckResult:
        df = read_checked(context, settings, ["gold", fact])
        count, share = quality.unknown_share(df, column)
        return dg.AssetCheckResult(
            passed=share <= threshold, severity=WARN,
            metadata={"unknown_rows": dg.MetadataValue.int(count), "share": dg.MetadataValue.float(round(share, 4)),
                      "threshold": dg.MetadataValue.float(threshold), "rows": dg.MetadataValue.int(df.height)},
        )

    return unknown_share


def build_range_check(fact: str, column: str, low: float, high: float, guards: str) -> dg.AssetChecksDefinition:
    @dg.asset_check(
        asset=dg.AssetKey(["gold", fact]), name=f"{fact}_{column}_plausible",
        description=f"gold/{fact}.{column} lies within [{low}, {high}]: {guards}",
    )
    def plausible(context: dg.AssetCheckExecutionContext, settings: ChuSettings) -> dg.AssetCheckResult:
        bad = quality.outside(read_checked(context, settings, ["gold", fact]), column, low, high)
        return _failing(bad.is_empty(), bad.height, bad)

    return plausible


fact_consultation_keys_in_dimensions = build_integrity_check("fact_consultation")
fact_hospitalisation_keys_in_dimensions = build_integrity_check("fact_hospitalisation")
fact_deces_keys_in_dimensions = build_integrity_check("fact_deces")
fact_satisfaction_keys_in_dimensions = build_integrity_check("fact_satisfaction")

fact_consultation_reconciles = build_reconciliation_check("fact_consultation", "consultations")
fact_hospitalisation_reconciles = build_reconciliation_check("fact_hospitalisation", "hospitalisations")
fact_deces_reconciles = build_reconciliation_check("fact_deces", "deaths")
fact_satisfaction_reconciles = build_reconciliation_check("fact_satisfaction", "satisfaction")

# The threshold the CHU accepts for consultations it cannot place in an establishment.
UNLINKED_CONSULTATION_THRESHOLD = 0.10
consultation_establishment_unlinked = build_unknown_share_check(
    "fact_consultation", "etablissement_key", UNLINKED_CONSULTATION_THRESHOLD,
    "consultations reach an establishment only through the professional's activity.",
)
consultation_diagnosis_unknown = build_unknown_share_check(
    "fact_consultation", "diagnostic_key", 0.05, "codes outside the CIM-10 reference or malformed.")
consultation_patient_unknown = build_unknown_share_check(
    "fact_consultation", "patient_key", 0.01, "consultations of patients absent from the patient table.")
hospitalisation_diagnosis_unknown = build_unknown_share_check(
    "fact_hospitalisation", "diagnostic_key", 0.05, "codes outside the CIM-10 reference or malformed.")
hospitalisation_establishment_unknown = build_unknown_share_check(
    "fact_hospitalisation", "etablissement_key", 0.01, "organisation ids absent from the establishment file.")

consultation_duration_plausible = build_range_check(
    "fact_consultation", "duree_minutes", 1, 480, "end before start, or a consultation longer than a working day.")
stay_length_plausible = build_range_check(
    "fact_hospitalisation", "duree_sejour_jours", 0, 365, "negative stays or stays longer than a year.")
age_at_admission_plausible = build_range_check(
    "fact_hospitalisation", "age_a_l_admission", 0, 120, "admission before birth or an impossible age.")
age_at_death_plausible = build_range_check(
    "fact_deces", "age_au_deces", 0, 125, "death before birth or beyond the oldest recorded human age.")
satisfaction_answers_plausible = build_range_check(
    "fact_satisfaction", "nb_reponses", 0, 100_000, "negative or absurd numbers of answers.")


@dg.asset_check(
    asset=dg.AssetKey(["gold", "fact_satisfaction"]), name="fact_satisfaction_scores_above_publication_threshold",
    description=f"No e-Satis score is kept for fewer than {ESATIS_MIN_ANSWERS} answers (HAS publication threshold).",
)
def satisfaction_publication_threshold(context: dg.AssetCheckExecutionContext, settings: ChuSettings) -> dg.AssetCheckResult:
    bad = quality.published_below_threshold(read_checked(context, settings, ["gold", "fact_satisfaction"]), ESATIS_MIN_ANSWERS)
    return _failing(bad.is_empty(), bad.height, bad)


deaths_place_complete = build_completeness_check(
    "gold", "fact_deces", "departement_code", 0.01, "places of death no INSEE code identifies.", ("unknown",))
deaths_date_complete = build_completeness_check(
    "gold", "fact_deces", "date_deces_key", 0.02, "death dates with unknown or impossible parts.", ("-1",))
