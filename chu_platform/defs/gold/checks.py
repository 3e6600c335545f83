"""Gold asset checks: contracts, referential integrity, reconciliation, completeness, plausibility.

A contract check blocks (bad data must not reach the marts); the others warn, with the
failing count and a sample, because a data steward decides what to do with them.
"""

from collections.abc import Mapping

import dagster as dg

from chu_platform.defs.silver.checks import CONTRACT, completeness
from chu_platform.defs.table_checks import Check, CheckData, Outcome, failing_rows, layer_checks, share_within
from chu_platform.gold import quality
from chu_platform.sources import ESATIS_MIN_ANSWERS


def keys_in_dimensions(references: Mapping[str, tuple[str, str]]) -> Check:
    """``references``: fact column -> (dimension table, dimension column)."""
    dims = sorted({dim for dim, _ in references.values()})

    def evaluate(data: CheckData) -> Outcome:
        df = data.table
        resolved = {col: (data.whole("gold", dim), dim_col) for col, (dim, dim_col) in references.items()}
        counts = quality.orphan_counts(df, resolved)
        bad = next((c for c, n in counts.items() if n), None)
        sample = quality.orphans(df, bad, *resolved[bad]) if bad else df.head(0)
        return failing_rows(sample, sum(counts.values()), orphans_by_key=dg.MetadataValue.json(counts))

    return Check("{table}_keys_in_dimensions",
                 f"Every key of {{layer}}/{{table}} is a member of its dimension ({', '.join(dims)}); -1 is a member.",
                 evaluate, additional_deps=tuple(dg.AssetKey(["gold", d]) for d in dims))


def reconciles_with(silver: str) -> Check:
    def evaluate(data: CheckData) -> Outcome:
        gold_counts = quality.per_year_counts(data.table)
        silver_counts = quality.per_year_counts(data.read("silver", silver))
        years = sorted(set(gold_counts) | set(silver_counts))
        gaps = {str(y): gold_counts.get(y, 0) - silver_counts.get(y, 0)
                for y in years if gold_counts.get(y, 0) != silver_counts.get(y, 0)}
        return not gaps, {
            "year": str(data.year or "all"),
            "gold_rows": dg.MetadataValue.int(sum(gold_counts.values())),
            "silver_rows": dg.MetadataValue.int(sum(silver_counts.values())),
            "difference_by_year": dg.MetadataValue.json(gaps),
        }

    return Check("{table}_reconciles_with_silver",
                 f"{{layer}}/{{table}} has exactly as many rows per year as silver/{silver}: no row lost or doubled.",
                 evaluate, additional_deps=(dg.AssetKey(["silver", silver]),))


def unknown_share(column: str, threshold: float, guards: str) -> Check:
    def evaluate(data: CheckData) -> Outcome:
        count, share = quality.unknown_share(data.table, column)
        return share_within("unknown_rows", count, share, threshold, data.table.height)

    return Check(f"{{table}}_{column}_unknown_share",
                 f"At most {threshold:.0%} of {{layer}}/{{table}} rows lack a {column} (null or -1): {guards}", evaluate)


def plausible(column: str, low: float, high: float, guards: str) -> Check:
    return Check(f"{{table}}_{column}_plausible", f"{{layer}}/{{table}}.{column} lies within [{low}, {high}]: {guards}",
                 lambda data: failing_rows(quality.outside(data.table, column, low, high)))


SCORES_ABOVE_PUBLICATION_THRESHOLD = Check(
    "{table}_scores_above_publication_threshold",
    f"No e-Satis score is kept for fewer than {ESATIS_MIN_ANSWERS} answers (HAS publication threshold).",
    lambda data: failing_rows(quality.published_below_threshold(data.table, ESATIS_MIN_ANSWERS)),
)


# The threshold the CHU accepts for consultations it cannot place in an establishment.
UNLINKED_CONSULTATION_THRESHOLD = 0.10
DATE = ("dim_date", "date_key")
PATIENT = ("dim_patient", "patient_key")
DIAGNOSTIC = ("dim_diagnostic", "diagnostic_key")
ETABLISSEMENT = ("dim_etablissement", "etablissement_key")
UNKNOWN_DIAGNOSIS = "codes outside the CIM-10 reference or malformed."

GOLD_CHECKS = layer_checks("gold", {
    "dim_patient": [CONTRACT],
    "dim_etablissement": [CONTRACT],
    "dim_professionnel": [CONTRACT],
    "dim_diagnostic": [CONTRACT],
    "fact_consultation": [
        CONTRACT,
        keys_in_dimensions({"date_key": DATE, "patient_key": PATIENT,
                            "professionnel_key": ("dim_professionnel", "professionnel_key"),
                            "diagnostic_key": DIAGNOSTIC, "etablissement_key": ETABLISSEMENT}),
        reconciles_with("consultations"),
        unknown_share("etablissement_key", UNLINKED_CONSULTATION_THRESHOLD,
                      "consultations reach an establishment only through the professional's activity."),
        unknown_share("diagnostic_key", 0.05, UNKNOWN_DIAGNOSIS),
        unknown_share("patient_key", 0.01, "consultations of patients absent from the patient table."),
        plausible("duree_minutes", 1, 480, "end before start, or a consultation longer than a working day."),
    ],
    "fact_hospitalisation": [
        CONTRACT,
        keys_in_dimensions({"date_entree_key": DATE, "date_sortie_key": DATE, "patient_key": PATIENT,
                            "etablissement_key": ETABLISSEMENT, "diagnostic_key": DIAGNOSTIC}),
        reconciles_with("hospitalisations"),
        unknown_share("diagnostic_key", 0.05, UNKNOWN_DIAGNOSIS),
        unknown_share("etablissement_key", 0.01, "organisation ids absent from the establishment file."),
        plausible("duree_sejour_jours", 0, 365, "negative stays or stays longer than a year."),
        plausible("age_a_l_admission", 0, 120, "admission before birth or an impossible age."),
    ],
    "fact_deces": [
        CONTRACT,
        keys_in_dimensions({"date_deces_key": DATE, "departement_code": ("dim_geography", "departement_code")}),
        reconciles_with("deaths"),
        plausible("age_au_deces", 0, 125, "death before birth or beyond the oldest recorded human age."),
        completeness("departement_code", 0.01, "places of death no INSEE code identifies.", ("unknown",)),
        completeness("date_deces_key", 0.02, "death dates with unknown or impossible parts.", ("-1",)),
    ],
    "fact_satisfaction": [
        CONTRACT,
        keys_in_dimensions({"etablissement_key": ETABLISSEMENT, "region_code": ("dim_geography", "region_code")}),
        reconciles_with("satisfaction"),
        plausible("nb_reponses", 0, 100_000, "negative or absurd numbers of answers."),
        SCORES_ABOVE_PUBLICATION_THRESHOLD,
    ],
})
