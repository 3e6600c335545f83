"""Statistical secrecy: 1 to 9 is masked, 10 is not, and what is computed from a masked count is masked."""

import polars as pl

from chu_platform.lib import delta_store
from chu_platform.layers.marts.analyses import ANALYSES, connect_gold, published
from chu_platform.layers.marts.periods import Period
from chu_platform.layers.marts.secrecy import COMPLEMENTARY, LEGEND, MASK, PRIMARY, display_cells, legend, publish, records
from chu_platform_tests.marts.conftest import synthetic_gold, write_gold


def _deaths(counts: dict[str, int]) -> pl.DataFrame:
    codes = [code for code, n in counts.items() for _ in range(n)]
    return pl.DataFrame({
        "deces_id": range(1, len(codes) + 1), "date_deces_key": [20200615] * len(codes), "year": [2020] * len(codes),
        "sexe": ["F"] * len(codes), "age_au_deces": [80] * len(codes), "departement_code": [None] * len(codes),
        "region_code": codes,
    }, schema_overrides={"date_deces_key": pl.Int32, "year": pl.Int32, "departement_code": pl.String})


def test_a_cell_of_9_is_masked_a_cell_of_10_is_not(tmp_path):
    lake = str(tmp_path / "lake")
    tables = synthetic_gold()
    tables["fact_deces"] = _deaths({"11": 9, "84": 10, "abroad": 1})
    write_gold(lake, tables)
    df = published(connect_gold(lake), "deaths_by_region", Period.year(2020))
    rows = {r["region_code"]: r for r in records(df)}
    assert rows["11"] | {"period_from": None, "period_to": None} == {
        "period_from": None, "period_to": None, "region_code": "11", "region_nom": "Île-de-France",
        "deaths": MASK, "numerator": MASK, "denominator": 20, "rate": MASK, "masked": True}
    assert (rows["84"]["deaths"], rows["84"]["rate"], rows["84"]["masked"]) == (10, 0.5, False)
    assert rows["abroad"]["deaths"] == MASK


def test_rates_from_a_small_denominator_are_masked_even_with_a_zero_numerator():
    frame = pl.DataFrame({"numerator": [0, 0, 12], "denominator": [7, 10, 40], "rate": [0.0, 0.0, 0.3]})
    out = publish(frame, ANALYSES["hospitalisation_rate"].secrecy)
    assert out.rows() == [(0, None, None, True, None, "<10", "<10"), (0, 10, 0.0, False, None, None, None),
                          (12, 40, 0.3, False, None, None, None)]
    assert records(out)[0] == {
        "numerator": 0, "denominator": MASK, "rate": MASK, "masked": True}


def test_satisfaction_masks_answers_and_score_but_not_establishment_counts():
    secrecy = ANALYSES["satisfaction_by_region"].secrecy
    frame = pl.DataFrame({"region_code": ["11", "84"], "score": [71.5, 68.0], "nb_reponses": [9, 10],
                          "nb_etablissements": [1, 1], "numerator": [643.5, 680.0], "denominator": [9, 10],
                          "rate": [71.5, 68.0]})
    small, large = records(publish(frame, secrecy))
    assert small == {"region_code": "11", "score": MASK, "nb_reponses": MASK, "nb_etablissements": 1,
                     "numerator": MASK, "denominator": MASK, "rate": MASK, "masked": True}
    assert large["score"] == 68.0 and large["masked"] is False


def test_lifting_secrecy_keeps_the_flag_and_the_values():
    frame = pl.DataFrame({"numerator": [3], "denominator": [50], "rate": [0.06]})
    out = publish(frame, ANALYSES["hospitalisation_rate"].secrecy, apply=False)
    assert out.rows() == [(3, 50, 0.06, True, "<10", None, "<10")]


def test_empty_table_publishes_empty(tmp_path):
    lake = str(tmp_path / "lake")
    tables = synthetic_gold()
    write_gold(lake, tables)
    delta_store.write_years(tables["fact_deces"].head(0).with_columns(pl.lit(2020, dtype=pl.Int32).alias("year")),
                            delta_store.table_uri(lake, ["gold", "fact_deces"]), [2019, 2020])
    assert published(connect_gold(lake), "deaths_by_region", Period.year(2020)).height == 0


def test_a_complementary_cell_reads_s_and_what_it_computes_too():
    """Two establishments: 4 (a count 1-9) and 25, whose share subtraction from the total would
    give back: 25 is withheld as "s", its rate too; 4 and its rate read "<10"."""
    frame = pl.DataFrame({"finess": ["a", "b", "c"], "numerator": [4, 25, 300], "denominator": [329] * 3,
                          "rate": [4 / 329, 25 / 329, 300 / 329]})
    out = publish(frame, ANALYSES["consultations_by_establishment"].secrecy, order=("finess",))
    assert out.select("finess", "secret_numerator", "secret_rate", "secret_denominator").rows() == [
        ("a", PRIMARY, PRIMARY, None), ("b", COMPLEMENTARY, COMPLEMENTARY, None), ("c", None, None, None)]
    shown = display_cells(out, {"rate": lambda v: f"{v:.1%}"})
    assert shown.select("numerator", "rate").rows() == [("<10", "<10"), ("s", "s"), ("300", "91.2%")]
    assert "secret_numerator" not in shown.columns
    assert [r["numerator"] for r in records(out)] == ["<10", "s", 300]


def test_ties_are_broken_by_the_key_whatever_the_row_order():
    """Equal candidate cells: the one withheld depends on the key, not on the row order, so two
    surfaces publishing the same cells withhold the same ones."""
    frame = pl.DataFrame({"finess": ["a", "b", "c", "d"], "numerator": [3, 12, 12, 400], "denominator": [427] * 4,
                          "rate": [0.0] * 4})
    secrecy = ANALYSES["consultations_by_establishment"].secrecy
    one = publish(frame, secrecy, order=("finess",)).sort("finess")
    other = publish(frame.reverse(), secrecy, order=("finess",)).sort("finess")
    assert one.equals(other)
    assert one["secret_numerator"].to_list() == [PRIMARY, COMPLEMENTARY, None, None]


def test_legend_names_both_kinds_in_french_and_english():
    for lang in ("fr", "en"):
        assert set(LEGEND[lang]) == {PRIMARY, COMPLEMENTARY}
        assert len(legend(lang)) == 2 and legend(lang, {COMPLEMENTARY}) == [LEGEND[lang][COMPLEMENTARY]]
    assert "10 ou plus" in LEGEND["fr"][COMPLEMENTARY] and "10 or more" in LEGEND["en"][COMPLEMENTARY]
