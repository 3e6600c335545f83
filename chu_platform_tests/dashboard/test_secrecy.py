"""Secrecy of what the page embeds: no count 1-9, no cell recoverable by subtraction, no
identifier or pseudonym anywhere in the file."""

import random

import polars as pl

from chu_platform.dashboard import secrecy
from chu_platform.dashboard.payload import OTHERS


def test_one_masked_part_drags_the_next_smallest_with_it():
    values = {"T": 100, "a": 5, "b": 40, "c": 30, "d": 25}
    masked = secrecy.protect(values, [("T", ["a", "b", "c", "d"])])
    assert masked == {"a", "d"}


def test_masked_parts_must_add_up_to_ten():
    values = {"T": 60, "a": 3, "b": 4, "c": 12, "d": 41}
    masked = secrecy.protect(values, [("T", ["a", "b", "c", "d"])])
    assert masked == {"a", "b", "c"}


def test_a_masked_total_hides_one_of_its_parts():
    values = {"N": 200, "R1": 50, "R2": 8, "R3": 142, "e1": 30, "e2": 20}
    groups = [("N", ["R1", "R2", "R3"]), ("R1", ["e1", "e2"])]
    masked = secrecy.protect(values, groups)
    assert {"R2", "R1"} <= masked and masked & {"e1", "e2"}
    assert secrecy.recoverable(values, masked, groups) == []


def test_random_tables_are_never_recoverable():
    rng = random.Random(3)
    for _ in range(200):
        rows, cols = rng.randrange(2, 6), rng.randrange(2, 6)
        cell = {(r, c): rng.choice([0, 1, 3, 7, 12, 25, 60]) for r in range(rows) for c in range(cols)}
        values = dict(cell)
        groups = []
        for r in range(rows):
            values[("row", r)] = sum(cell[(r, c)] for c in range(cols))
            groups.append((("row", r), [(r, c) for c in range(cols)]))
        for c in range(cols):
            values[("col", c)] = sum(cell[(r, c)] for r in range(rows))
            groups.append((("col", c), [(r, c) for r in range(rows)]))
        values["all"] = sum(cell.values())
        groups.append(("all", [("row", r) for r in range(rows)]))
        masked = secrecy.protect(values, groups)
        assert not any(secrecy.small(values[k]) for k in values if k not in masked)
        assert secrecy.recoverable(values, masked, groups) == []


def test_nested_ranges_differing_by_less_than_ten_are_masked():
    counts = pl.DataFrame({"scope": ["all"] * 3, "start": [2019, 2019, 2020], "end": [2019, 2020, 2020],
                           "seen": [100, 104, 50]})
    out = secrecy.nested_differences(counts, ["scope"], "seen").sort("start", "end")
    assert out["seen_masked"].to_list() == [False, True, False]


def _counts(node, path=""):
    """Every number stored under a count key of the embedded figures."""
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _counts(value, f"{path}/{key}")
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from _counts(value, f"{path}/{i}")
    elif isinstance(node, int) and not isinstance(node, bool):
        yield path, node


def test_no_count_from_one_to_nine_is_embedded(built):
    data = built.data
    leaks = []
    for key, sel in data["sel"].items():
        for field in ("c", "h", "s", "hd"):
            if secrecy.small(sel[field]):
                leaks.append((key, field))
        for field in ("est", "dg", "sp", "hdg"):
            leaks += [(key, field, row) for row in sel[field] if secrecy.small(row[1])]
        leaks += [(key, "pyr", row) for row in sel["pyr"] if secrecy.small(row[2]) or secrecy.small(row[3])]
        leaks += [(key, "mo", n) for n in sel.get("mo", []) if secrecy.small(n)]
    for index, series in data["est"].items():
        leaks += [(index, f, n) for f in ("c", "h", "s", "hd") for n in series.get(f, []) if secrecy.small(n)]
    for span, regions in data["deaths"].items():
        leaks += [(span, code, n) for code, n in regions.items() if secrecy.small(n)]
    for span, regions in data["sat"].items():
        leaks += [(span, code, row) for code, row in regions.items() if secrecy.small(row[1])]
    assert leaks == []
    checked = sum(1 for _ in _counts(data["sel"]))
    assert checked > 1000


def test_no_breakdown_lets_a_masked_member_be_recovered(built):
    """Where the total is shown and every member is listed (no "others" gathering unknowns),
    the masked members are none, or at least two adding up to 10 or more in the exact data."""
    checked = 0
    for key, sel in built.data["sel"].items():
        for field, total in (("est", sel["c"]), ("dg", sel["c"]), ("sp", sel["c"]), ("hdg", sel["h"])):
            rows = sel[field]
            if secrecy.withheld(total) or any(r[0] == OTHERS and secrecy.withheld(r[1]) for r in rows):
                continue
            hidden = [r for r in rows if secrecy.withheld(r[1])]
            assert len(hidden) != 1, (key, field, rows)
            checked += 1
    assert checked > 0, "no breakdown with its total shown and every member listed"


def test_no_identifier_or_pseudonym_in_the_file(built):
    people = built.tables["dim_patient"]
    pseudonyms = [p for p in people["patient_pseudo"].drop_nulls().to_list()]
    identifiers = built.tables["dim_professionnel"]["identifiant"].to_list()
    text = built.html
    assert not [p for p in pseudonyms if f'"{p}"' in text]
    assert not [i for i in identifiers if i in text]
    for column in ("patient_pseudo", "patient_key", "identifiant", "annee_naissance", "Num_Secu"):
        assert column not in text


def test_others_is_shown_when_it_is_the_difference_of_shown_figures():
    from chu_platform.dashboard.payload import _top

    shown = _top([(1, 50, False), (2, 30, False)], (20, True), 100)
    assert shown[-1] == [OTHERS, 20, 0.2], "total and top members shown: others is their difference"
    hidden = _top([(1, 50, False), (2, 5, True)], (45, True), 100)
    assert hidden[1][1] == "<10" and hidden[-1][1] == "s", "a withheld top member keeps others withheld"
    assert _top([(1, 50, False)], (45, False), "s")[-1][1] == "s", "a withheld total keeps others withheld"


def test_a_withheld_label_says_the_truth():
    assert [secrecy.value(n, True) for n in (1, 9, 10, 400)] == ["<10", "<10", "s", "s"]
    assert secrecy.value(12, False) == 12 and secrecy.value(None, True) is None
