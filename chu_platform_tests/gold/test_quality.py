"""The data-quality measures behind the gold checks find exactly the failing rows."""

import polars as pl

from chu_platform.layers.gold import quality


def test_orphans_ignore_nulls_and_find_missing_members():
    facts = pl.DataFrame({"k": [1, 2, None, -1, 9]})
    dim = pl.DataFrame({"key": [-1, 1, 2]})
    assert quality.orphans(facts, "k", dim, "key")["k"].to_list() == [9]
    assert quality.orphan_counts(facts, {"k": (dim, "key")}) == {"k": 1}


def test_unknown_and_null_shares():
    facts = pl.DataFrame({"k": [1, -1, None, 4]})
    assert quality.unknown_share(facts, "k") == (2, 0.5)
    assert quality.unknown_share(facts.head(0), "k") == (0, 0.0)
    codes = pl.DataFrame({"c": ["13", "unknown", None, "75"]})
    assert quality.null_share(codes, "c", ("unknown",)) == (2, 0.5)


def test_ranges_thresholds_and_year_counts():
    df = pl.DataFrame({"year": [2019, 2019, 2020], "v": [-1, 10, None], "score_global": [70.0, None, 60.0],
                       "nb_reponses": [12, 5, 40]})
    assert quality.outside(df, "v", 0, 5)["v"].to_list() == [-1, 10]
    assert quality.published_below_threshold(df, 30)["nb_reponses"].to_list() == [12]
    assert quality.per_year_counts(df) == {2019: 2, 2020: 1}
