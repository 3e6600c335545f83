"""Row-by-row comparison of two engines' answers to the same question.

Engines disagree on types, not on facts: PostgreSQL sums counts into NUMERIC, DuckDB into
HUGEINT, pandas into int64. Every numeric column is therefore compared as a float rounded to
``decimals`` places (counts up to 2**53 stay exact), rows sorted on every column.
"""

from __future__ import annotations

from collections.abc import Sequence

import polars as pl

DECIMALS = 9

# What identifies an answer row and what it counts, in the columns of
# ``chu_platform.layers.marts.analyses.run_analysis``; labels are left out (engines join the same
# dimensions) and so are rates (numerator / denominator).
ANSWER_COLUMNS: dict[str, tuple[str, ...]] = {
    "consultations_by_establishment": ("finess", "numerator", "denominator"),
    "consultations_by_diagnosis": ("code_diag", "numerator", "denominator"),
    "hospitalisation_rate": ("numerator", "denominator"),
    "hospitalisations_by_diagnosis": ("code_diag", "numerator", "denominator"),
    "hospitalisations_by_sex_age": ("sexe", "age_band", "numerator", "denominator"),
    "consultations_by_professional": ("level", "identifiant", "specialite", "numerator", "denominator"),
    "deaths_by_region": ("region_code", "deaths", "denominator"),
    "satisfaction_by_region": ("region_code", "score", "nb_reponses", "nb_etablissements"),
}


class AnswerMismatch(AssertionError):
    """Two engines gave different answers: the benchmark's figures would compare nothing."""


def normalise(frame: pl.DataFrame, columns: Sequence[str], decimals: int = DECIMALS) -> pl.DataFrame:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise AnswerMismatch(f"answer lacks columns {missing}; it has {frame.columns}")
    exprs = []
    for name in columns:
        dtype = frame.schema[name]
        if dtype.is_numeric():
            exprs.append(pl.col(name).cast(pl.Float64).round(decimals).alias(name))
        else:
            exprs.append(pl.col(name).cast(pl.String).alias(name))
    return frame.select(exprs).sort(list(columns), nulls_last=True)


def assert_same(question: str, reference_engine: str, reference: pl.DataFrame, engine: str, answer: pl.DataFrame) -> None:
    """Raise ``AnswerMismatch`` naming the question, engines and first differing rows."""
    columns = ANSWER_COLUMNS.get(question, tuple(reference.columns))
    left = normalise(reference, columns)
    right = normalise(answer, columns)
    if left.height != right.height:
        raise AnswerMismatch(
            f"{question}: {reference_engine} returns {left.height} rows, {engine} {right.height}"
        )
    if left.equals(right, null_equal=True):
        return
    differing = (
        left.with_row_index("row")
        .join(right.with_row_index("row"), on="row", suffix=f"_{engine}")
        .filter(pl.any_horizontal(pl.col(c).ne_missing(pl.col(f"{c}_{engine}")) for c in columns))
    )
    raise AnswerMismatch(
        f"{question}: {engine} disagrees with {reference_engine} on {differing.height} of {left.height} rows, "
        f"first ones:\n{differing.head(5)}"
    )
