"""Complementary suppression: no masked cell of a total-and-parts table is recoverable by subtraction."""

import itertools
import random

import polars as pl
import pytest

from chu_platform.layers.marts import analyses
from chu_platform.layers.marts.periods import Period
from chu_platform.layers.marts.secrecy import publish
from chu_platform.layers.marts.suppression import SUPPRESSED, THRESHOLD, TOTAL, complementary, group_safe


def attacker_values(shown: list[int], hidden: list[int], total: int) -> list[set[int]]:
    """Every value each masked cell can take for a reader who knows the group's total, the
    shown cells, the rule and each masked cell's kind as published: a "<10" cell is 1 to 9, an
    "s" cell is at least 10 and at most the smallest shown nonzero cell. Brute force over every
    assignment."""
    remainder = total - sum(shown)
    ceiling = min([v for v in shown if v > 0], default=remainder)
    ranges = [range(1, THRESHOLD) if v < THRESHOLD else range(THRESHOLD, max(ceiling, THRESHOLD) + 1) for v in hidden]
    possible = [set() for _ in hidden]
    for values in itertools.product(*ranges):
        if sum(values) == remainder:
            for i, v in enumerate(values):
                possible[i].add(v)
    return possible


def random_groups(rng: random.Random, groups: int) -> pl.DataFrame:
    rows = []
    for g in range(groups):
        size = rng.randint(1, 6)
        kind = rng.random()
        for _ in range(size):
            if kind < 0.15:
                value = 1  # all ones: the total gives every cell away
            elif kind < 0.5:
                value = rng.choice([0, 1, 2, 3, 5, 9, 10, 11, 12, 14, 20])
            else:
                value = rng.choice([0, *range(1, 10), *range(10, 40)])
            rows.append({"region": f"r{g}", "n": value})
    return pl.DataFrame(rows)


@pytest.mark.parametrize("seed", range(6))
def test_no_masked_cell_is_recoverable_from_the_total(seed):
    rng = random.Random(seed)
    df = complementary(random_groups(rng, 60), "n", ["region"])
    checked = 0
    for (region,), group in df.group_by(["region"], maintain_order=True):
        values, masked = group["n"].to_list(), group[SUPPRESSED].to_list()
        assert all(m for v, m in zip(values, masked) if 1 <= v < THRESHOLD), "every count 1-9 is masked"
        if group[TOTAL].any() or not any(masked):
            continue  # the total is masked too (then nothing subtracts), or there was nothing to protect
        hidden = [v for v, m in zip(values, masked) if m]
        shown = [v for v, m in zip(values, masked) if not m]
        assert len(hidden) >= 2 and sum(hidden) >= THRESHOLD, (region, values, masked)
        for cell, possible in zip(hidden, attacker_values(shown, hidden, sum(values))):
            assert cell in possible, (region, values, masked, possible)
            if cell < THRESHOLD:
                assert len(possible) >= 2, (region, values, masked, possible)
        checked += 1
    assert checked > 10, "the random frames must exercise the rule"


def test_group_safe_is_exactly_what_a_reader_who_knows_the_kinds_cannot_pin_down():
    """The plain-value rule against brute force: counts 1-9 withheld with the 0-3 smallest
    other cells; safe exactly when every withheld count 1-9 keeps two possible values (and the
    withheld cells are at least two adding up to 10 or more)."""
    rng = random.Random(22)
    agreed = unsafe = 0
    for _ in range(800):
        values = [rng.choice([0, 1, 1, 2, 3, 5, 8, 9, 9, 10, 10, 11, 12, 15, 25]) for _ in range(rng.randint(1, 4))]
        small = [v for v in values if 1 <= v < THRESHOLD]
        large = sorted(v for v in values if v >= THRESHOLD)
        if not small:
            continue
        extra = rng.randint(0, min(3, len(large)))
        hidden, shown = small + large[:extra], large[extra:] + [v for v in values if v == 0]
        possible = attacker_values(shown, hidden, sum(values))
        brute = (len(hidden) >= 2 and sum(hidden) >= THRESHOLD and sum(hidden) > len(hidden)
                 and all(len(p) >= 2 for v, p in zip(hidden, possible) if v < THRESHOLD))
        assert group_safe(hidden, shown) == brute, (hidden, shown, possible)
        agreed += 1
        unsafe += not brute
    assert agreed > 300 and 30 < unsafe < agreed - 30


def test_what_complementary_leaves_is_group_safe():
    df = complementary(random_groups(random.Random(9), 200), "n", ["region"])
    checked = 0
    for _, group in df.group_by(["region"]):
        if group[TOTAL].any():
            continue
        hidden = [v for v, m in zip(group["n"], group[SUPPRESSED]) if m]
        shown = [v for v, m in zip(group["n"], group[SUPPRESSED]) if not m]
        assert group_safe(hidden, shown), (hidden, shown)
        checked += 1
    assert checked > 0, "every group's total was masked: nothing was checked"


def test_next_smallest_cell_is_masked_and_ones_mask_the_total():
    df = pl.DataFrame({"g": ["a"] * 4 + ["b"] * 3 + ["c"] * 12, "n": [3, 12, 40, 15, 20, 30, 40, *[1] * 12]})
    out = complementary(df, "n", ["g"])
    assert out.filter(pl.col("g") == "a")[SUPPRESSED].to_list() == [True, True, False, False]
    assert not out.filter(pl.col("g") == "b")[SUPPRESSED].any()
    ones = out.filter(pl.col("g") == "c")
    assert ones[SUPPRESSED].all() and ones[TOTAL].all()


def test_a_cell_masked_for_another_total_counts_as_masked():
    df = pl.DataFrame({"g": ["a"] * 3, "n": [4, 50, 60], "elsewhere": [False, True, False]})
    out = complementary(df, "n", ["g"], masked="elsewhere")
    assert out[SUPPRESSED].to_list() == [True, True, False]


def _shares(rng: random.Random, periods: int = 30) -> pl.DataFrame:
    """Frames shaped like a share analysis' exact answer: parts, their total on every row."""
    frames = []
    for p in range(periods):
        counts = random_groups(rng, 1)["n"].to_list() + [rng.randrange(10, 30)]
        frames.append(pl.DataFrame({
            "period_from": [f"p{p}"] * len(counts), "period_to": [f"p{p}"] * len(counts),
            "region_code": [f"r{i}" for i in range(len(counts))], "deaths": counts, "numerator": counts,
            "denominator": [sum(counts)] * len(counts),
        }).with_columns((pl.col("numerator") / pl.col("denominator")).alias("rate")))
    return pl.concat(frames)


def _assert_protected(shown: pl.DataFrame, exact: pl.DataFrame, count: str, parts: pl.Expr, by: list[str],
                      total_of) -> int:
    """For each group of parts whose total is shown: no masked cell alone, no remainder 1-9."""
    checked = 0
    for key, group in shown.with_row_index("row").filter(parts).group_by(["period_from", *by]):
        hidden = group.filter(pl.col(count).is_null())
        total = total_of(shown, key)
        if hidden.is_empty() or total is None:
            continue
        remainder = exact[hidden["row"]][count].sum()
        assert hidden.height >= 2 and remainder >= THRESHOLD, (key, count, hidden.height, remainder)
        checked += 1
    return checked


@pytest.mark.parametrize("name", ["consultations_by_establishment", "consultations_by_diagnosis",
                                  "hospitalisations_by_diagnosis", "deaths_by_region"])
def test_published_shares_leave_nothing_to_subtract(name):
    exact = _shares(random.Random(name))
    shown = publish(exact, analyses.get(name).secrecy)
    assert shown.filter(pl.col("numerator").is_between(1, 9)).is_empty()
    checked = _assert_protected(shown, exact, "numerator", pl.lit(True), [],
                                lambda s, key: s.filter(pl.col("period_from") == key[0])["denominator"][0])
    assert checked > 5


def test_sex_age_rows_and_columns_add_up_to_masked_or_protected_totals():
    rng = random.Random(5)
    frames = []
    for p in range(25):
        cells = pl.DataFrame([{"sexe": s, "age_band": b, "numerator": rng.choice([0, 1, 2, 4, 8, 12, 30]),
                               "denominator": rng.choice([3, 9, 15, 40, 90])}
                              for s in ("F", "M") for b in ("0-17", "18-39", "40-64", "65-79", "80+")])
        by_sex = cells.group_by("sexe").agg(pl.col("numerator", "denominator").sum()).with_columns(age_band=pl.lit("all"))
        by_band = cells.group_by("age_band").agg(pl.col("numerator", "denominator").sum()).with_columns(sexe=pl.lit("all"))
        frames.append(pl.concat([cells, by_sex.select(cells.columns), by_band.select(cells.columns)])
                      .with_columns(period_from=pl.lit(f"p{p}"), period_to=pl.lit(f"p{p}")))
    exact = pl.concat(frames).with_columns((pl.col("numerator") / pl.col("denominator")).alias("rate"))
    shown = publish(exact, analyses.get("hospitalisations_by_sex_age").secrecy)
    cells = (pl.col("sexe") != "all") & (pl.col("age_band") != "all")
    checked = 0
    for count in ("numerator", "denominator"):
        for axis, other in (("sexe", "age_band"), ("age_band", "sexe")):
            def total_of(s, key, axis=axis, other=other, count=count):
                row = s.filter((pl.col("period_from") == key[0]) & (pl.col(axis) == key[1]) & (pl.col(other) == "all"))
                return row[count][0]
            checked += _assert_protected(shown, exact, count, cells, [axis], total_of)
    assert checked > 20
    assert shown.filter(pl.col("rate").is_not_null() & (pl.col("numerator").is_null() | pl.col("denominator").is_null())).is_empty()


def test_professionals_within_specialties_and_specialties_within_the_total():
    rng = random.Random(3)
    frames = []
    for p in range(20):
        pros = pl.DataFrame([{"level": "professional", "specialite": rng.choice("ABC"), "identifiant": str(i),
                              "numerator": rng.choice([1, 2, 5, 9, 11, 14, 25, 60])} for i in range(9)])
        specs = pros.group_by("specialite").agg(pl.col("numerator").sum()).with_columns(
            level=pl.lit("specialty"), identifiant=pl.lit(None, pl.String))
        frame = pl.concat([pros, specs.select(pros.columns)])
        frames.append(frame.with_columns(period_from=pl.lit(f"p{p}"), period_to=pl.lit(f"p{p}"),
                                         denominator=pl.lit(pros["numerator"].sum())))
    exact = pl.concat(frames).with_columns((pl.col("numerator") / pl.col("denominator")).alias("rate"))
    shown = publish(exact, analyses.get("consultations_by_professional").secrecy)

    def specialty_total(s, key):
        return s.filter((pl.col("period_from") == key[0]) & (pl.col("level") == "specialty")
                        & (pl.col("specialite") == key[1]))["numerator"][0]

    def grand_total(s, key):
        return s.filter(pl.col("period_from") == key[0])["denominator"][0]

    checked = _assert_protected(shown, exact, "numerator", pl.col("level") == "professional", ["specialite"], specialty_total)
    checked += _assert_protected(shown, exact, "numerator", pl.col("level") == "specialty", [], grand_total)
    checked += _assert_protected(shown, exact, "numerator", pl.col("level") == "professional", [], grand_total)
    assert checked > 20


def test_one_establishment_shows_the_cells_it_shows_among_all(gold):
    con = analyses.connect_gold(gold.lake)
    whole = analyses.published(con, "consultations_by_establishment", Period.year(2019))
    assert whole["finess"].drop_nulls().len() > 0
    for finess in whole["finess"].drop_nulls().to_list():
        alone = analyses.published(con, "consultations_by_establishment", Period.year(2019), {"establishment": finess})
        assert alone.to_dicts() == whole.filter(pl.col("finess") == finess).to_dicts()
