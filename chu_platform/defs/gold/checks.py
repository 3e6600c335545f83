"""Gold asset checks: contracts, keys, referential integrity, reconciliation, volumes,
completeness, plausibility.

Contracts, unique keys and the deaths' reconciliation with the register block (bad data must
not reach the marts), as does a volume change past CHU_VOLUME_FAIL; the others warn, with the
failing count and a sample, because a data steward decides what to do with them.
"""

from collections.abc import Mapping

import dagster as dg
import polars as pl

from chu_platform.defs.silver.checks import CONTRACT, completeness
from chu_platform.defs.table_checks import (Check, CheckData, Outcome, failing_rows, layer_checks, share_within,
                                             unique_key)
from chu_platform.defs.volume_checks import VOLUME_CHECKS
from chu_platform.layers.gold import quality
from chu_platform.lib import delta_store
from chu_platform.defs.gold.aggregate_assets import AGGREGATE_PARTITIONS
from chu_platform.defs.partitions import care_years, deaths_years
from chu_platform.layers.silver import deaths
from chu_platform.layers.marts import analyses
from chu_platform.layers.marts.secrecy import preview_table
from chu_platform.schemas.sources import ESATIS_MIN_ANSWERS


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


def _deaths_reconcile(data: CheckData) -> Outcome:
    declared = data.settings.table_uri("silver", "death_declarations")
    # The whole register's keys: read once in a range run's step, not once per year.
    keys = data.once(("register_keys", declared), lambda: delta_store.scan(declared).select(deaths.KEY_COLUMNS).collect())
    agg, facts = data.table, data.read("gold", "fact_deces")
    years = data.years if data.years is not None else sorted(keys["deces_annee"].drop_nulls().unique().to_list())
    rows = []
    for year in years:
        steps = deaths.year_reconciliation(keys, year)
        counted = agg.filter(pl.col("year") == year)["deaths"].sum() if agg.height else 0
        rows.append({"year": year, **steps, "fact_deces_rows": facts.filter(pl.col("year") == year).height,
                     "counted_in_deaths_by_region": int(counted or 0)})
    table = pl.DataFrame(rows, schema={"year": pl.Int32, "register_lines": pl.Int64, "repeated_declarations": pl.Int64,
                                       "moved_to_another_year": pl.Int64, "deaths_expected": pl.Int64,
                                       "fact_deces_rows": pl.Int64, "counted_in_deaths_by_region": pl.Int64})
    bad = table.filter((pl.col("deaths_expected") != pl.col("fact_deces_rows"))
                       | (pl.col("deaths_expected") != pl.col("counted_in_deaths_by_region")))
    return failing_rows(bad, reconciliation=dg.MetadataValue.md(preview_table(table, 20)),
                        register_lines_without_year=dg.MetadataValue.int(int(keys["deces_annee"].is_null().sum())))


# Every death whose year is known counts in that year, whatever its day or month: an unknown
# part (INSEE 00) must not take it out of the analysis.
DEATHS_RECONCILE_WITH_REGISTER = Check(
    "{table}_reconciles_with_register",
    "Per year: register lines dated in the year - repeated declarations of a person - persons whose "
    "latest declaration moves them to another year = gold/fact_deces rows = deaths counted by region.",
    _deaths_reconcile, blocking=True,
    additional_deps=(dg.AssetKey(["silver", "death_declarations"]), dg.AssetKey(["gold", "fact_deces"])),
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
        *VOLUME_CHECKS,
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
        *VOLUME_CHECKS,
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
        *VOLUME_CHECKS,
        keys_in_dimensions({"date_deces_key": DATE, "departement_code": ("dim_geography", "departement_code")}),
        reconciles_with("deaths"),
        plausible("age_au_deces", 0, 125, "death before birth or beyond the oldest recorded human age."),
        completeness("departement_code", 0.01, "places of death no INSEE code identifies.", ("unknown",)),
        completeness("date_deces_key", 0.02, "death dates with unknown or impossible parts.", ("-1",)),
    ],
    "fact_satisfaction": [
        CONTRACT,
        *VOLUME_CHECKS,
        keys_in_dimensions({"etablissement_key": ETABLISSEMENT, "region_code": ("dim_geography", "region_code")}),
        reconciles_with("satisfaction"),
        plausible("nb_reponses", 0, 100_000, "negative or absurd numbers of answers."),
        SCORES_ABOVE_PUBLICATION_THRESHOLD,
    ],
    "dim_medicament": [CONTRACT],
    "fact_prescription": [
        CONTRACT,
        *VOLUME_CHECKS,
        keys_in_dimensions({"date_key": DATE, "patient_key": PATIENT, "medicament_key": ("dim_medicament", "medicament_key"),
                            "professionnel_key": ("dim_professionnel", "professionnel_key"),
                            "diagnostic_key": DIAGNOSTIC, "etablissement_key": ETABLISSEMENT}),
        reconciles_with("prescriptions"),
        unknown_share("medicament_key", 0.01, "CIS codes absent from the medicines table."),
        unknown_share("patient_key", 0.01, "prescriptions whose consultation is not in gold/fact_consultation."),
    ],
    "dim_date": [unique_key("date_key")],
    "dim_geography": [unique_key("departement_code")],
    **{f"agg_{name}": [unique_key("year", *a.aggregate_key)] for name, a in analyses.ANALYSES.items()},
    "agg_deaths_by_region": [unique_key("year", "region_code"), DEATHS_RECONCILE_WITH_REGISTER],
}, partitioned={"fact_consultation": care_years, "fact_prescription": care_years, "fact_hospitalisation": care_years,
                "fact_deces": deaths_years, "fact_satisfaction": care_years,
                **AGGREGATE_PARTITIONS})
