"""Département and region from codes; labels only as a fallback."""

import polars as pl

from chu_platform.layers.silver import geography as g


def _map(values, fn):
    return pl.DataFrame({"v": values}, schema={"v": pl.String}).select(fn(pl.col("v")).alias("o"))["o"].to_list()


def test_insee_commune_codes():
    assert _map(["01004", "1004", "2A004", "2B033", "20004", "20033", "97411", "98735", "99138", "xx", None],
                g.from_insee_commune) == ["01", "01", "2A", "2B", "2A", "2B", "974", "987", "abroad", "unknown", None]


def test_postal_codes_through_la_poste_then_prefix():
    assert _map(["01440", "1440", "20000", "20200", "97400", "75001", "abc", None], g.from_postal_code) == [
        "01", "01", "2A", "2B", "974", "75", "unknown", None]


def test_finess_numbers_and_finess_department_field():
    assert _map(["010000024", "10000024", "970102018", "970408589", "980500011", "2A0000123", "bad"],
                g.from_finess) == ["01", "01", "971", "974", "976", "2A", "unknown"]
    assert _map(["9A", "9D", "9F", "01", "2B"], g.from_finess_field) == ["971", "974", "976", "01", "2B"]


def test_region_labels_canonical_old_and_ambiguous():
    labels = pl.Series(["PACA", "Ile de France", "Hauts de France", "Rhône-Alpes", "Midi-Pyrénées",
                        "Nord-Pas-de-Calais", "Languedoc-Roussillon", "Océan Indien", "Nouvelle Aquitaine", None])
    assert g.region_code_from_label(labels).to_list() == ["93", "11", "32", "84", "76", "32", "76", None, "75", None]


def test_code_wins_over_label():
    df = pl.DataFrame({"dep": ["13", None, "abroad"], "label": ["11", "76", None]})
    out = df.select(g.settle(pl.col("dep"), pl.col("label")))
    assert out.rows() == [("13", "93"), ("unknown", "76"), ("abroad", "abroad")]
