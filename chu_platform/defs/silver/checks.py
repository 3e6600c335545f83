"""Silver checks: blocking Pandera contracts (bad data stops before gold) and completeness."""

import dagster as dg
import polars as pl

from chu_platform.defs.resources import ChuSettings
from chu_platform.defs.silver.metadata import partition_year
from chu_platform.gold import quality
from chu_platform.lib import delta_store
from chu_platform.silver.hospitalisations import admission_problems
from chu_platform.silver.report import markdown_table


def read_checked(context, settings: ChuSettings, key: list[str]) -> pl.DataFrame:
    """The checked table: only the run's year for a partitioned asset, else all of it."""
    year = partition_year(context)
    return delta_store.read(settings.table_uri(*key), None if year is None else [year])


def pandera_model(layer: str, table: str):
    """The Pandera model of a table, imported when a check runs: Pandera (and the pandas it
    loads) costs ~2 s of start-up that a run without contract checks should not pay."""
    if layer == "silver":
        from chu_platform.schemas.silver import SILVER_MODELS as models
    else:
        from chu_platform.schemas.gold import GOLD_MODELS as models
    return models[table]


def contract_result(model, df: pl.DataFrame) -> dg.AssetCheckResult:
    from chu_platform.schemas.validation import validate

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


def build_contract_check(layer: str, table: str) -> dg.AssetChecksDefinition:
    key = [layer, table]

    @dg.asset_check(
        asset=dg.AssetKey(key), name=f"{table}_contract", blocking=True,
        description=(f"{layer}/{table} matches its Pandera model in chu_platform/schemas/{layer}.py "
                     "(types, keys, code domains, ranges)."),
    )
    def contract(context: dg.AssetCheckExecutionContext, settings: ChuSettings) -> dg.AssetCheckResult:
        return contract_result(pandera_model(layer, table), read_checked(context, settings, key))

    return contract


patients_contract = build_contract_check("silver", "patients")
professionals_contract = build_contract_check("silver", "professionals")
establishments_contract = build_contract_check("silver", "establishments")
diagnoses_contract = build_contract_check("silver", "diagnoses")
consultations_contract = build_contract_check("silver", "consultations")
hospitalisations_contract = build_contract_check("silver", "hospitalisations")
deaths_contract = build_contract_check("silver", "deaths")
satisfaction_contract = build_contract_check("silver", "satisfaction")

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
