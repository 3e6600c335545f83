"""dim_patient as a type-2 slowly changing dimension.

Tracked attributes (département, region, mutual insurer) open a new version when they
change; the others (sex, birth year) are corrected in place in every version. The first
version of a patient starts at HISTORY_START so that facts older than the first load find
it; ``valid_to`` is exclusive and OPEN_END for the current version. A version's key is
derived from the pseudonym and ``valid_from``, so it never changes once written.
"""

from __future__ import annotations

from datetime import date

import polars as pl

from chu_platform.layers.gold.keys import UNKNOWN_KEY, surrogate

HISTORY_START = date(1900, 1, 1)
OPEN_END = date(9999, 12, 31)
TRACKED = ("departement_code", "region_code", "mutuelle_code")
IN_PLACE = ("sexe", "annee_naissance")
COLUMNS = (
    "patient_key", "patient_pseudo", "sexe", "annee_naissance", "departement_code", "region_code",
    "mutuelle_code", "valid_from", "valid_to", "is_current",
)
SCHEMA = {
    "patient_key": pl.Int64, "patient_pseudo": pl.String, "sexe": pl.String, "annee_naissance": pl.Int16,
    "departement_code": pl.String, "region_code": pl.String, "mutuelle_code": pl.String,
    "valid_from": pl.Date, "valid_to": pl.Date, "is_current": pl.Boolean,
}


def _keyed(versions: pl.DataFrame) -> pl.DataFrame:
    naturals = [f"{p}|{d.isoformat()}" for p, d in versions.select("patient_pseudo", "valid_from").iter_rows()]
    return versions.with_columns(pl.Series("patient_key", [surrogate("patient", n) for n in naturals], dtype=pl.Int64))


def _unknown() -> pl.DataFrame:
    return pl.DataFrame(
        [{"patient_key": UNKNOWN_KEY, "patient_pseudo": "unknown", "sexe": None, "annee_naissance": None,
          "departement_code": "unknown", "region_code": "unknown", "mutuelle_code": None,
          "valid_from": HISTORY_START, "valid_to": OPEN_END, "is_current": True}],
        schema=SCHEMA,
    )


def _incoming(patients: pl.DataFrame) -> pl.DataFrame:
    return patients.select(
        "patient_pseudo",
        pl.col("sexe"),
        pl.col("annee_naissance").cast(pl.Int16),
        "departement_code",
        "region_code",
        pl.col("mutuelle_id").alias("mutuelle_code"),
    )


def build_dim_patient(patients: pl.DataFrame, previous: pl.DataFrame | None, as_of: date) -> pl.DataFrame:
    """The next state of dim_patient given silver patients and the table as it stands."""
    incoming = _incoming(patients)
    if previous is None or previous.is_empty():
        first = incoming.with_columns(
            valid_from=pl.lit(HISTORY_START), valid_to=pl.lit(OPEN_END), is_current=pl.lit(True)
        )
        return pl.concat([_unknown(), _keyed(first).select(COLUMNS).cast(SCHEMA)]).sort("patient_pseudo", "valid_from")

    history = previous.filter(pl.col("patient_key") != UNKNOWN_KEY).select(COLUMNS).cast(SCHEMA)
    current = history.filter(pl.col("is_current"))
    joined = current.join(incoming, on="patient_pseudo", how="inner", suffix="_new")
    differs = pl.any_horizontal([pl.col(c).ne_missing(pl.col(f"{c}_new")) for c in TRACKED])
    changed = joined.filter(differs).select("patient_pseudo", "valid_from")

    # A second change on the same day replaces that day's version instead of adding an empty one.
    same_day = changed.filter(pl.col("valid_from") == as_of).select("patient_pseudo", "valid_from")
    closing = changed.join(same_day, on=["patient_pseudo", "valid_from"], how="anti")
    kept = history.join(same_day, on=["patient_pseudo", "valid_from"], how="anti")
    closing_mark = closing.with_columns(pl.lit(True).alias("_close"))
    kept = kept.join(closing_mark, on=["patient_pseudo", "valid_from"], how="left").with_columns(
        valid_to=pl.when(pl.col("_close")).then(pl.lit(as_of)).otherwise(pl.col("valid_to")),
        is_current=pl.when(pl.col("_close")).then(pl.lit(False)).otherwise(pl.col("is_current")),
    ).drop("_close")

    new_versions = incoming.join(changed.select("patient_pseudo"), on="patient_pseudo", how="semi").with_columns(
        valid_from=pl.lit(as_of), valid_to=pl.lit(OPEN_END), is_current=pl.lit(True)
    )
    newcomers = incoming.join(history.select("patient_pseudo").unique(), on="patient_pseudo", how="anti").with_columns(
        valid_from=pl.lit(HISTORY_START), valid_to=pl.lit(OPEN_END), is_current=pl.lit(True)
    )
    added = _keyed(pl.concat([new_versions, newcomers])).select(COLUMNS).cast(SCHEMA)
    result = pl.concat([kept, added])
    # Sex and birth year are corrections, not history: every version takes the latest value.
    latest = incoming.select("patient_pseudo", *IN_PLACE)
    result = result.join(latest, on="patient_pseudo", how="left", suffix="_latest").with_columns(
        [pl.coalesce(f"{c}_latest", c).alias(c) for c in IN_PLACE]
    ).select(COLUMNS)
    return pl.concat([_unknown(), result.cast(SCHEMA)]).sort("patient_pseudo", "valid_from")
