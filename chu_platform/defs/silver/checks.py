"""Silver checks: blocking Pandera contracts (bad data stops before gold) and completeness."""

import dagster as dg

from chu_platform.defs.table_checks import Check, CheckData, Outcome, layer_checks, share_within, unique_key
from chu_platform.layers.gold import quality
from chu_platform.layers.marts.secrecy import preview_table
from chu_platform.defs.partitions import care_years, deaths_years


def pandera_model(layer: str, table: str):
    """The Pandera model of a table, imported when a check runs: Pandera (and the pandas it
    loads) costs ~2 s of start-up that a run without contract checks should not pay."""
    if layer == "silver":
        from chu_platform.schemas.silver import SILVER_MODELS as models
    else:
        from chu_platform.schemas.gold import GOLD_MODELS as models
    return models[table]


def _contract(data: CheckData) -> Outcome:
    from chu_platform.schemas.validation import validate

    df = data.table
    outcome = validate(pandera_model(data.layer, data.table_name), df)
    return outcome.passed, {
        "rows_checked": dg.MetadataValue.int(df.height),
        "failure_cases": dg.MetadataValue.int(outcome.failures),
        "failures_by_check": dg.MetadataValue.json(outcome.by_check),
        "failure_sample": dg.MetadataValue.md(preview_table(outcome.sample, 10)),
    }


CONTRACT = Check(
    "{table}_contract",
    "{layer}/{table} matches its Pandera model in chu_platform/schemas/{layer}.py (types, keys, code domains, ranges).",
    _contract, blocking=True,
)


def completeness(column: str, threshold: float, guards: str, missing: tuple[str, ...] = ()) -> Check:
    def evaluate(data: CheckData) -> Outcome:
        count, share = quality.null_share(data.table, column, missing)
        return share_within("missing_rows", count, share, threshold, data.table.height)

    return Check(f"{{table}}_{column}_completeness",
                 f"At most {threshold:.0%} of {{layer}}/{{table}} rows lack {column}: {guards}", evaluate)


SILVER_CHECKS = layer_checks("silver", {
    "patients": [
        CONTRACT,
        completeness("sexe", 0.01, "sex outside 1/2, M/F, Homme/Femme in the care database."),
        completeness("annee_naissance", 0.01, "birth dates missing or unreadable."),
        completeness("departement_code", 0.02, "postal codes no reference knows.", ("unknown",)),
    ],
    "professionals": [CONTRACT],
    "establishments": [
        CONTRACT,
        completeness("departement_code", 0.01, "no commune, postal code or FINESS number usable.", ("unknown",)),
    ],
    "diagnoses": [CONTRACT],
    "consultations": [CONTRACT],
    "hospitalisations": [CONTRACT],
    "death_declarations": [CONTRACT, unique_key("source_file", "source_row")],
    "deaths": [CONTRACT],
    "satisfaction": [CONTRACT],
    "medicaments": [CONTRACT],
    "prescriptions": [CONTRACT],
}, partitioned={"consultations": care_years, "prescriptions": care_years, "hospitalisations": care_years,
                "death_declarations": deaths_years, "deaths": deaths_years, "satisfaction": care_years})
