"""The cross-engine comparison: type differences tolerated, any difference of fact caught."""

from decimal import Decimal

import polars as pl
import pytest

from chu_platform.latency.compare import AnswerMismatch, assert_same

OURS = pl.DataFrame(
    {"code_diag": ["A01", "B02", None], "numerator": [5, 3, 2], "denominator": [10, 10, 10], "libelle": ["a", "b", "?"]}
)


def test_same_facts_in_other_types_and_order_agree():
    theirs = pl.DataFrame(
        {
            "numerator": [2, 3, 5],
            "denominator": [Decimal(10), Decimal(10), Decimal(10)],
            "code_diag": [None, "B02", "A01"],
        }
    )
    assert_same("consultations_by_diagnosis", "ours", OURS, "postgresql", theirs)


def test_one_different_count_fails_naming_the_row():
    theirs = OURS.with_columns(numerator=pl.Series([5, 4, 2]))
    with pytest.raises(AnswerMismatch, match=r"consultations_by_diagnosis: spark disagrees .* on 1 of 3 rows"):
        assert_same("consultations_by_diagnosis", "ours", OURS, "spark", theirs)


def test_a_missing_row_fails():
    with pytest.raises(AnswerMismatch, match="3 rows, pandas 2"):
        assert_same("consultations_by_diagnosis", "ours", OURS, "pandas", OURS.head(2))


def test_rates_differing_beyond_rounding_fail_and_within_it_pass():
    ours = pl.DataFrame({"region_code": ["11"], "score": [73.123456789012], "nb_reponses": [40], "nb_etablissements": [2]})
    close = ours.with_columns(score=pl.lit(73.123456789012 + 1e-12))
    far = ours.with_columns(score=pl.lit(73.1234568))
    assert_same("satisfaction_by_region", "ours", ours, "pandas", close)
    with pytest.raises(AnswerMismatch):
        assert_same("satisfaction_by_region", "ours", ours, "pandas", far)


def test_an_answer_without_the_compared_columns_fails():
    with pytest.raises(AnswerMismatch, match="lacks columns"):
        assert_same("consultations_by_diagnosis", "ours", OURS, "pandas", OURS.drop("numerator"))
