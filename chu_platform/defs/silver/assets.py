"""Silver assets: bronze entities typed, conformed, deduplicated and pseudonymised."""

import dagster as dg
import polars as pl

from chu_platform.defs.metadata import each_year, of_year, table_metadata
from chu_platform.defs.silver import freshness
from chu_platform.defs.silver.resources import PseudonymKey
from chu_platform.layers.marts.secrecy import preview_table
from chu_platform.defs import partitions as yearly
from chu_platform.defs.partitions import care_years, deaths_years
from chu_platform.layers.silver import care, deaths, establishments, hospitalisations, patients, satisfaction
from chu_platform.layers.silver.dedup import duplicates

KINDS = {"polars", "delta"}


def _bronze(table: str, **kwargs) -> dg.AssetIn:
    return dg.AssetIn(["bronze", table], **kwargs)


@dg.asset(
    key=["silver", "patients"], group_name="silver", kinds=KINDS, freshness_policy=freshness.MONTHLY,
    ins={"care_patients": _bronze("care_patients"), "memberships": _bronze("care_memberships")},
)
def silver_patients(
    context: dg.AssetExecutionContext, pseudonym: PseudonymKey, care_patients: pl.DataFrame, memberships: pl.DataFrame
) -> pl.DataFrame:
    """One row per patient: HMAC pseudonym, sex, birth year, département, mutual insurer — no direct identifier."""
    df = patients.build_patients(care_patients, memberships, pseudonym.key)
    context.add_output_metadata(table_metadata(
        df, bronze_rows=care_patients.height, duplicates_removed=care_patients.height - df.height,
        unknown_departement=int((df["departement_code"] == "unknown").sum()),
    ))
    return df


@dg.asset(
    key=["silver", "professionals"], group_name="silver", kinds=KINDS, freshness_policy=freshness.MONTHLY,
    ins={
        "care_professionals": _bronze("care_professionals"), "specialties": _bronze("care_specialties"),
        "directory": _bronze("professionals"), "activities": _bronze("professional_activities"),
    },
)
def silver_professionals(
    context: dg.AssetExecutionContext, care_professionals: pl.DataFrame, specialties: pl.DataFrame,
    directory: pl.DataFrame, activities: pl.DataFrame,
) -> pl.DataFrame:
    """One row per health professional (identifier), with the establishment of their main activity."""
    df = care.build_professionals(care_professionals, specialties, directory, activities)
    context.add_output_metadata(table_metadata(
        df, without_activity=int(df["identifiant_organisation"].is_null().sum()),
        several_activities=int((df["nb_activites"] > 1).sum()),
    ))
    return df


@dg.asset(
    key=["silver", "establishments"], group_name="silver", kinds=KINDS, freshness_policy=freshness.MONTHLY,
    ins={"chu": _bronze("establishments"), "finess": _bronze("finess_establishments")},
)
def silver_establishments(
    context: dg.AssetExecutionContext, chu: pl.DataFrame, finess: pl.DataFrame
) -> pl.DataFrame:
    """One row per establishment site (FINESS number), CHU file completed by the national FINESS extract."""
    df = establishments.build_establishments(chu, finess)
    context.add_output_metadata(table_metadata(
        df, from_chu_file=int((df["source"] == "chu").sum()), from_finess_only=int((df["source"] == "finess").sum()),
        unknown_departement=int((df["departement_code"] == "unknown").sum()),
    ))
    return df


@dg.asset(
    key=["silver", "diagnoses"], group_name="silver", kinds=KINDS, freshness_policy=freshness.MONTHLY,
    ins={"diagnostics": _bronze("care_diagnostics")},
)
def silver_diagnoses(context: dg.AssetExecutionContext, diagnostics: pl.DataFrame) -> pl.DataFrame:
    """One row per CIM-10 diagnosis code of the care database's reference (code without dot)."""
    df = care.build_diagnoses(diagnostics)
    context.add_output_metadata(table_metadata(
        df, bronze_rows=diagnostics.height, dropped_malformed_or_duplicate=diagnostics.height - df.height,
    ))
    return df


@yearly.asset(
    key=["silver", "consultations"], group_name="silver", kinds=KINDS, partitions_def=care_years,
    freshness_policy=freshness.MONTHLY,
    ins={"bronze_consultations": _bronze("care_consultations")},
)
def silver_consultations(
    context: dg.AssetExecutionContext, pseudonym: PseudonymKey, bronze_consultations: pl.DataFrame
) -> pl.DataFrame:
    """One row per consultation of the year: pseudonymised patient, professional, CIM-10 code, times and duration."""
    def build(year: int) -> tuple[pl.DataFrame, dict]:
        bronze = of_year(bronze_consultations, year)
        df = care.build_consultations(bronze, pseudonym.key, year)
        return df, table_metadata(
            df, bronze_rows=bronze.height, duplicates_removed=duplicates(bronze, ["num_consultation"]),
            malformed_diagnosis_codes=int((df["code_diag"].is_null() & df["code_diag_source"].is_not_null()).sum()),
        )

    return each_year(context, build)


@yearly.asset(
    key=["silver", "hospitalisations"], group_name="silver", kinds=KINDS, partitions_def=care_years,
    freshness_policy=freshness.MONTHLY,
    ins={"bronze_stays": _bronze("hospitalisations")},
)
def silver_hospitalisations(
    context: dg.AssetExecutionContext, pseudonym: PseudonymKey, bronze_stays: pl.DataFrame
) -> pl.DataFrame:
    """One row per hospital stay admitted in the year: pseudonymised patient, organisation, CIM-10 code, length of stay."""
    typed = hospitalisations.type_hospitalisations(bronze_stays, pseudonym.key)
    # Stays without a valid admission date belong to no year: bronze/hospitalisations'
    # every_stay_placed check reports them once per load of the file, not once per year here.
    lost = hospitalisations.unplaceable(typed)

    def build(year: int) -> tuple[pl.DataFrame, dict]:
        df = hospitalisations.hospitalisations_of_year(typed, year)
        return df, table_metadata(
            df, stays_in_file=typed.height, stays_without_admission_date=lost.height,
            stays_without_admission_date_sample=dg.MetadataValue.md(preview_table(lost.drop("patient_pseudo"))),
        )

    return each_year(context, build)


@yearly.asset(
    key=["silver", "death_declarations"], group_name="silver", kinds=KINDS, partitions_def=deaths_years,
    ins={"register": _bronze("deaths")},
)
def silver_death_declarations(
    context: dg.AssetExecutionContext, pseudonym: PseudonymKey, register: pl.DataFrame
) -> pl.DataFrame:
    """One row per line of the year's register files, typed, the person keyed (deces_id) instead of named."""
    def build(year: int) -> tuple[pl.DataFrame, dict]:
        lines = of_year(register, year)
        df = deaths.declarations(lines, pseudonym.key)
        return df, table_metadata(
            df, register_lines=lines.height,
            late_declarations=int((df["deces_annee"] < year).sum()),
            without_year_of_death=int(df["deces_annee"].is_null().sum()),
            # What the late_death_declarations sensor refreshes when a file names other years.
            death_years=dg.MetadataValue.json(sorted(int(y) for y in df["deces_annee"].drop_nulls().unique())),
        )

    return each_year(context, build)


@yearly.asset(
    key=["silver", "deaths"], group_name="silver", kinds=KINDS, partitions_def=deaths_years,
    freshness_policy=freshness.YEARLY,
    ins={"declared": dg.AssetIn(["silver", "death_declarations"], partition_mapping=dg.AllPartitionMapping())},
)
def silver_deaths(context: dg.AssetExecutionContext, declared: pl.LazyFrame) -> pl.DataFrame:
    """One row per deceased person whose death falls in the year, de-duplicated across every register file."""
    keys = declared.select(deaths.KEY_COLUMNS).collect()
    summary = deaths.register_summary(keys)

    def build(year: int) -> tuple[pl.DataFrame, dict]:
        df = deaths.deaths_in_year(
            declared.filter(pl.col("deces_annee") == year).collect(), deaths.kept(keys, year), year
        )
        return df, table_metadata(
            df, **summary, late_declarations=int((df["annee_fichier"] > df["year"]).sum()),
            incomplete_death_dates=int(df["date_deces"].is_null().sum()),
        )

    return each_year(context, build)


@yearly.asset(
    key=["silver", "satisfaction"], group_name="silver", kinds=KINDS, partitions_def=care_years,
    freshness_policy=freshness.YEARLY,
    ins={"esatis": _bronze("satisfaction")},
)
def silver_satisfaction(context: dg.AssetExecutionContext, esatis: pl.DataFrame) -> pl.DataFrame:
    """One row per establishment site surveyed by HAS e-Satis 48h MCO in the year, scores as numbers."""
    def build(year: int) -> tuple[pl.DataFrame, dict]:
        bronze = of_year(esatis, year)
        df = satisfaction.build_satisfaction(bronze, year)
        return df, table_metadata(
            df, bronze_rows=bronze.height, without_score=int(df["score_global"].is_null().sum()),
            region_from_label_only=int(((df["departement_code"] == "unknown") & (df["region_code"] != "unknown")).sum()),
        )

    return each_year(context, build)
