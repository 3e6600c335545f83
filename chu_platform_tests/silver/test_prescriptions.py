"""silver/prescriptions: the consultation's year, one row per medicine and consultation, and
what cannot be placed counted apart."""

from datetime import date

import polars as pl


def test_silver_prescriptions_take_the_consultation_year_and_drop_what_cannot_be_placed():
    from chu_platform.schemas.silver import SilverPrescriptions
    from chu_platform.schemas.validation import validate
    from chu_platform.layers.silver import prescriptions

    bronze = pl.DataFrame({"num_consultation": ["1", "1", "1", "2", "9", "2"],
                           "code_cis": ["60000001", " 60000001", "60000002", "6000000X", "60000001", "60000003"],
                           "_source_row": [1, 2, 3, 4, 5, 6]})
    consultations = pl.DataFrame({"consultation_id": ["1", "2"], "year": [2019, 2020],
                                  "date_consultation": [date(2019, 12, 31), date(2020, 1, 1)]})
    got = prescriptions.build_prescriptions(bronze, consultations)
    assert got.select("consultation_id", "code_cis", "year").rows() == [("1", "60000001", 2019), ("1", "60000002", 2019),
                                                                        ("2", "60000003", 2020)]
    assert validate(SilverPrescriptions, got).passed
    assert prescriptions.problems(bronze, consultations["consultation_id"]) == {
        "malformed_cis_codes": 1, "orphan_prescriptions": 1, "repeated_pairs": 1}
