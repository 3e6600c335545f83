"""Silver checks: blocking Pandera contracts (bad data stops before gold) and completeness."""

import dagster as dg
import polars as pl

from chu_platform.defs.resources import ChuSettings
from chu_platform.defs.silver.metadata import partition_year
from chu_platform.gold import quality
from chu_platform.lib import delta_store
from chu_platform.schemas.silver import SILVER_MODELS
from chu_platform.schemas.validation import validate
from chu_platform.silver.hospitalisations import admission_problems
from chu_platform.silver.report import markdown_table


def read_checked(context, settings: ChuSettings, key: list[str]) -> pl.DataFrame:
    """The checked table: only the run's year for a partitioned asset, else all of it."""
    year = partition_year(context)
    return delta_store.read(settings.table_uri(*key), None if year is None else [year])


def contract_result(model, df: pl.DataFrame) -> dg.AssetCheckResult:
    outcome = validate(model, df)
    return dg.AssetCheckResult(
        passed=outcome.passed,
        metadata={
            "rows_checked": dg.MetadataValue.int(df.height),
            "failure_cases": dg.MetadataValue.int(outcome.failures),
            "failures_by_check": dg.MetadataValue.json(outcome.by_check),
            "failure_sample": dg.MetadataValue.md(markdown_table(outcome.sample, 10)),
        },
    )


def build_contract_check(layer: str, table: str, model) -> dg.AssetChecksDefinition:
    key = [layer, table]

    @dg.asset_check(
        asset=dg.AssetKey(key), name=f"{table}_contract", blocking=True,
        description=f"{layer}/{table} matches its Pandera model {model.__name__} (types, keys, code domains, ranges).",
    )
    def contract(context: dg.AssetCheckExecutionContext, settings: ChuSettings) -> dg.AssetCheckResult:
        return contract_result(model, read_checked(context, settings, key))

    return contract


patients_contract = build_contract_check("silver", "patients", SILVER_MODELS["patients"])
professionals_contract = build_contract_check("silver", "professionals", SILVER_MODELS["professionals"])
establishments_contract = build_contract_check("silver", "establishments", SILVER_MODELS["establishments"])
diagnoses_contract = build_contract_check("silver", "diagnoses", SILVER_MODELS["diagnoses"])
consultations_contract = build_contract_check("silver", "consultations", SILVER_MODELS["consultations"])
hospitalisations_contract = build_contract_check("silver", "hospitalisations", SILVER_MODELS["hospitalisations"])
deaths_contract = build_contract_check("silver", "deaths", SILVER_MODELS["deaths"])
satisfaction_contract = build_contract_check("silver", "satisfaction", SILVER_MODELS["satisfaction"])

WARN = dg.AssetCheckSeverity.WARN


def build_completeness_check(layer: str, table: str, column: str, threshold: float, guards: str,
                             missing: tuple[str, ...] = ()) -> dg.AssetChecksDefinition:
    @dg.asset_check(
        asset=dg.AssetKey([layer, table]), name=f"{table}_{column}_completeness",
        description=f"At most {threshold:.0%} of {layer}/{table} rows lack {column}: {guards}",
    )
    def completeness(context: dg.AssetCheckExecutionContext, settings: ChuSettings) -> dg.AssetCheckResult:
        df = read_checked(context, settings, [layer, table])
        count, share = quality.null_share(df, column, missing)
        return dg.AssetCheckResult(
            passed=share <= threshold, severity=WARN,
            metadata={"missing_rows": dg.MetadataValue.int(count), "share": dg.MetadataValue.float(round(share, 4)),
                      "threshold": dg.MetadataValue.float(threshold), "rows": dg.MetadataValue.int(df.height)},
        )

    return completeness


patients_sex_complete = build_completeness_check(
    "silver", "patients", "sexe", 0.01, "sex outside 1/2, M/F, Homme/Femme in the care database.")
patients_birth_year_complete = build_completeness_check(
    "silver", "patients", "annee_naissance", 0.01, "birth dates missing or unreadable.")
patients_departement_complete = build_completeness_check(
    "silver", "patients", "departement_code", 0.02, "postal codes no reference knows.", ("unknown",))
establishments_departement_complete = build_completeness_check(
    "silver", "establishments", "departement_code", 0.01, "no commune, postal code or FINESS number usable.", ("unknown",))


@dg.asset_check(
    asset=dg.AssetKey(["silver", "hospitalisations"]), name="hospitalisations_every_stay_placed",
    additional_deps=[dg.AssetKey(["bronze", "hospitalisations"])],
    description="Every stay of Hospitalisations.csv has a valid admission date, hence a year: none is silently left out.",
)
def hospitalisations_every_stay_placed(context: dg.AssetCheckExecutionContext, settings: ChuSettings) -> dg.AssetCheckResult:
    problems = admission_problems(delta_store.read(settings.table_uri("bronze", "hospitalisations")))
    return dg.AssetCheckResult(
        passed=problems.is_empty(), severity=WARN,
        metadata={"stays_without_year": dg.MetadataValue.int(problems.height),
                  "sample": dg.MetadataValue.md(markdown_table(problems, 10))},
    )
