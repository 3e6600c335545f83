"""An attacker with every answer one user may get: ``chu query`` (any allowed period and filter),
the BI warehouse (marts and published aggregates) and the dashboard, trying to recover a withheld count by
adding and subtracting pairs and triples of answers.

Each published count is named by what it counts (``Quantity``: a measure, a period, the
establishments and diagnoses its events are restricted to, and the analysis' breakdown), so
that the same count in two answers, or two counts of which one is part of the other, are
recognised whichever analysis, filter or surface shows them. The dashboard's yearly cells
(``dashboard.payload.masked_cells``: every count its page embeds or derives, per year, scope
and item) join the answers; its year ranges are sums of them, withheld when any year is.
The attacks:

* **same count, two answers**: withheld in one and shown in another (the shown one gives it);
* **pairs**: a count shown in two nested event sets (a day range inside a year, a diagnosis
  prefix inside another, one establishment inside the group): their difference is itself a
  count of events or people, and must not be 1 to 9 (737 - 732 = 5 consultations on 31
  December);
* **triples**: a count over a disjoint union shown with one of its parts gives the other part;
  it must not be a withheld cell;
* **seen but not hospitalised**: the patients seen and those hospitalised of the same group
  both shown give the patients seen but not hospitalised, which must not be 1 to 9.

``test_the_attack_recovers_counts_when_any_question_is_allowed`` runs the same attack with every
question allowed (the rule before issue 22): it recovers counts, so the attack can fail.
"""

from __future__ import annotations

import random
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from itertools import combinations

import polars as pl
import pytest

from chu_platform.layers.marts import aggregates, analyses, snapshot
from chu_platform.layers.marts.build import build_mart
from chu_platform.layers.marts.periods import Period
from chu_platform.layers.marts.publication import published_aggregate
from chu_platform.layers.marts.secrecy import secret_column

ALL = "all"
ADDITIVE = {"consultations", "stays", "deaths", "answers"}
UNIVERSE: dict[str, frozenset] = {"finess": frozenset(), "codes": frozenset()}  # for messages only


@dataclass(frozen=True)
class Quantity:
    """What one published count counts: its events (``measure`` in ``period``, at the
    establishments ``finess``, with the diagnoses ``codes``; each a frozenset of the values
    the events may carry) and the analysis' breakdown of them (``extra``)."""

    measure: str
    start: date
    end: date
    finess: frozenset
    codes: frozenset
    extra: tuple = ()

    def __str__(self) -> str:
        def scope(values: frozenset, every: frozenset) -> str:
            return "all" if values == every else ",".join(sorted(str(v) for v in values))
        return (f"{self.measure} {self.start}..{self.end} establishments {scope(self.finess, UNIVERSE['finess'])} "
                f"diagnoses {scope(self.codes, UNIVERSE['codes'])} {' '.join(map(str, self.extra))}").rstrip()

    def within(self, other: Quantity) -> bool:
        return (self.measure == other.measure and self.extra == other.extra and other.start <= self.start
                and self.end <= other.end and self.finess <= other.finess and self.codes <= other.codes)

    def rest(self, part: Quantity) -> Quantity | None:
        """``self`` minus ``part`` when that is again a quantity (they differ in one dimension)."""
        if not part.within(self) or part == self:
            return None
        same = (self.finess == part.finess, self.codes == part.codes, (self.start, self.end) == (part.start, part.end))
        if same == (True, True, False):
            if part.start == self.start:
                return Quantity(self.measure, part.end + timedelta(days=1), self.end, self.finess, self.codes, self.extra)
            if part.end == self.end:
                return Quantity(self.measure, self.start, part.start - timedelta(days=1), self.finess, self.codes, self.extra)
            return None
        if same == (False, True, True):
            return Quantity(self.measure, self.start, self.end, self.finess - part.finess, self.codes, self.extra)
        if same == (True, False, True):
            return Quantity(self.measure, self.start, self.end, self.finess, self.codes - part.codes, self.extra)
        return None


@dataclass
class Cell:
    quantity: Quantity
    shown: int | float | None
    exact: int | float
    label: str | None
    where: str


class Universe:
    """The establishments and diagnosis codes events may carry (None: unknown)."""

    def __init__(self, con):
        self.finess = frozenset(r[0] for r in con.execute("SELECT finess FROM dim_etablissement").fetchall()) | {None}
        self.codes = frozenset(r[0] for r in con.execute("SELECT code_diag FROM dim_diagnostic").fetchall()) | {None}
        UNIVERSE.update(finess=self.finess, codes=self.codes)

    def prefix(self, value: str | None) -> frozenset:
        return self.codes if not value else frozenset(c for c in self.codes if c is not None and c.startswith(value))

    def establishment(self, value: str | None) -> frozenset:
        return self.finess if not value else frozenset({value})


def _counts(name: str) -> dict[str, tuple[str, str]]:
    """Per count column of an analysis: (measure, how a row names the breakdown)."""
    return {
        "consultations_by_establishment": {"numerator": ("consultations", "finess"), "denominator": ("consultations", "")},
        "consultations_by_diagnosis": {"numerator": ("consultations", "code"), "denominator": ("consultations", "")},
        "hospitalisations_by_diagnosis": {"numerator": ("stays", "code"), "denominator": ("stays", "")},
        "hospitalisation_rate": {"numerator": ("hospitalised", ""), "denominator": ("seen", "")},
        "hospitalisations_by_sex_age": {"numerator": ("hospitalised", "sex_age"), "denominator": ("seen", "sex_age")},
        "consultations_by_professional": {"numerator": ("consultations", "professional"),
                                          "denominator": ("consultations", "")},
        "deaths_by_region": {"deaths": ("deaths", "region"), "numerator": ("deaths", "region"),
                             "denominator": ("deaths", "")},
        "satisfaction_by_region": {"nb_reponses": ("answers", "region"), "denominator": ("answers", "region")},
    }[name]


def cells(universe: Universe, name: str, period: Period, filters: dict, shown: pl.DataFrame, exact: pl.DataFrame,
          where: str) -> list[Cell]:
    """Every published count of one answer, named by what it counts."""
    out = []
    choosing = set(aggregates.AGGREGATES[name].filters)
    finess = universe.establishment(None if "establishment" in choosing else filters.get("establishment"))
    codes = universe.prefix(None if "diagnosis" in choosing else filters.get("diagnosis"))
    for row, truth in zip(shown.iter_rows(named=True), exact.iter_rows(named=True)):
        for column, (measure, breakdown) in _counts(name).items():
            f, c, extra = finess, codes, ()
            if breakdown == "finess":
                f = frozenset({row["finess"]})
            elif breakdown == "code":
                c = frozenset({row["code_diag"]})
            elif breakdown == "sex_age":
                extra = (row["sexe"], row["age_band"])
            elif breakdown == "professional":
                extra = (row["level"], row["identifiant"], row["specialite"])
            elif breakdown == "region":
                extra = (row["region_code"],)
            quantity = Quantity(measure, period.start, period.end, f, c, extra)
            out.append(Cell(quantity, row[column], truth[column], row.get(secret_column(column)), where))
    return out


def questions(universe: Universe, rng: random.Random, years: list[int],
              names: tuple[str, ...] = tuple(analyses.ANALYSES)) -> list[tuple[str, Period, dict]]:
    """Random questions for every analysis: whole years, spans of years, day ranges (the year
    but its last day, but its first month, random ranges), with and without each filter."""
    finess = sorted(f for f in universe.finess if f)
    prefixes = sorted({c[:n] for c in universe.codes if c for n in (1, 3, len(c))})
    asked = []
    for name in names:
        analysis = analyses.get(name)
        periods = [Period.year(y) for y in years]
        for y in years:
            periods += [Period(date(y, 1, 1), date(y, 12, 30)), Period(date(y, 2, 1), date(y, 12, 31)),
                        Period(date(y, 1, 1), date(y, 1, 31)), Period(date(y, 12, 31), date(y, 12, 31))]
            start = date(y, 1, 1) + timedelta(days=rng.randrange(200))
            periods.append(Period(start, start + timedelta(days=rng.randrange(1, 150))))
        periods += [Period(date(a, 1, 1), date(b, 12, 31)) for a, b in zip(years, years[1:])]
        choices = [{}]
        if "establishment" in analysis.filters:
            choices += [{"establishment": f} for f in rng.sample(finess, 2)]
        if "diagnosis" in analysis.filters:
            choices += [{"diagnosis": d} for d in rng.sample(prefixes, 3)]
        for period in periods:
            for chosen in choices:
                if rng.random() < 0.5 or not chosen:
                    asked.append((name, period, chosen))
    return asked


def answers(con, universe: Universe, allowed, names: tuple[str, ...] = tuple(analyses.ANALYSES)) -> list[Cell]:
    """Every count one user gets: the allowed questions, and the BI warehouse's tables."""
    rng = random.Random(22)
    years = analyses.years_present(con, "consultations_by_establishment")
    got = []
    for name, period, filters in questions(universe, rng, years, names):
        if analyses.get(name).yearly and period.whole_year is None or not allowed(name, period, filters):
            continue
        shown = analyses.published(con, name, period, filters)
        exact = analyses.published(con, name, period, filters, secrecy=False)
        got += cells(universe, name, period, filters, shown, exact, f"chu query {name} {period} {filters}")
    state = snapshot.of(con)
    for name in names:
        mart = build_mart(con, name)
        raw = pl.concat([aggregates.compute(con, state, name, y) for y in analyses.years_present(con, name)],
                        how="diagonal_relaxed")
        agg = published_aggregate(raw, name)
        exact_agg = raw.drop(aggregates.INPUTS)
        for year in analyses.years_present(con, name):
            in_year = pl.col("year") == year
            for table, shown, exact in (("marts", mart.filter(in_year), None), (f"agg_{name}", agg.filter(in_year),
                                                                                exact_agg.filter(in_year))):
                if exact is None:
                    exact = analyses.published(con, name, Period.year(year), secrecy=False)
                got += cells(universe, name, Period.year(year), {}, shown, exact, f"warehouse {table} {year}")
    return got


def _month(year: int, month: int) -> tuple[date, date]:
    after = date(year + month // 12, month % 12 + 1, 1)
    return date(year, month, 1), after - timedelta(days=1)


def dashboard_cells(con, lake: str, universe: Universe) -> list[Cell]:
    """The dashboard's yearly cells (every count its page embeds or derives, secrecy applied),
    named like the others: scopes are sets of establishments, items diagnoses, specialties,
    months or regions."""
    from chu_platform.dashboard import extract, measures, payload

    gold = extract.read_gold(lake)
    est_region = {row[0]: row[2] for row in payload.Labels(gold).establishments}
    cells_ = payload.masked_cells(measures.event_cells(gold), est_region, payload.marts_masks(lake, gold))
    code = {str(k): c for k, c in con.execute("SELECT diagnostic_key, code_diag FROM dim_diagnostic").fetchall()}
    code["-1"] = None
    rest = frozenset(f for f, r in est_region.items() if r is None) | {None}
    regions = defaultdict(set)
    for f, r in est_region.items():
        regions[r].add(f)

    def scope_set(scope: str) -> frozenset:
        if scope == measures.ALL:
            return universe.finess
        kind, value = scope.split(":", 1)
        return frozenset({value}) if kind == "e" else frozenset(regions[value])

    kinds = {"cons": "consultations", "hosp": "stays", "deaths": "deaths", "answers": "answers"}
    out = []
    # A cell of a breakdown withheld whole (``whole``) is masked too: the attacker gets no label
    # for it, the attack tries to recover it all the same.
    for measure, year, scope, item, n, masked in cells_.select("measure", "year", "scope", "item", "n",
                                                              "masked").iter_rows():
        base, _, part = measure.partition("_")
        breakdown, _, tail = part.partition("_")
        start, end = date(year, 1, 1), date(year, 12, 31)
        finess, codes, extra = scope_set(scope), universe.codes, ()
        if part == "rest" or tail == "rest":
            finess = rest
        if part == "unknown":
            finess = frozenset({None})
        if breakdown == "diag":
            codes = frozenset({code[item]})
        elif breakdown == "spec":
            extra = ("specialty", None, item)
        elif breakdown == "month":
            start, end = _month(year, int(item))
        elif base in ("deaths", "answers") and item != measures.TOTAL:
            extra = (item,)
        label = None if not masked else "<10" if 1 <= n <= 9 else "s"
        out.append(Cell(Quantity(kinds[base], start, end, finess, codes, extra), None if masked else n, n, label,
                        f"dashboard {measure} {year} {scope} {item}"))
    return out + people_cells(con, gold, universe, payload.marts_masks(lake, gold))


def people_cells(con, gold, universe: Universe, fixed: dict) -> list[Cell]:
    """The dashboard's counts of people of the whole group for one year (patients seen and
    hospitalised, overall and per sex and age band): the same people the marts' rates count."""
    from chu_platform.dashboard import payload

    page = payload.build_payload(gold, fixed)
    out = []

    def add(measure: str, year: int, extra: tuple, shown, exact: int, where: str) -> None:
        withheld = isinstance(shown, str)
        out.append(Cell(Quantity(measure, date(year, 1, 1), date(year, 12, 31), universe.finess, universe.codes, extra),
                        None if withheld else shown, exact, shown if withheld else None, where))

    for year in page["years"]:
        sel = page["sel"][f"{year}-{year}|{payload.ALL}"]
        rate = analyses.published(con, "hospitalisation_rate", Period.year(year), secrecy=False).row(0, named=True)
        add("hospitalised", year, (), sel["hd"], rate["numerator"], f"dashboard hd {year}")
        add("seen", year, (), sel["s"], rate["denominator"], f"dashboard s {year}")
        exact = {(r["sexe"], r["age_band"]): r for r in analyses.published(
            con, "hospitalisations_by_sex_age", Period.year(year), secrecy=False).iter_rows(named=True)}
        for sexe, band, num, den, _ in sel["pyr"]:
            truth = exact[(sexe, band)]
            add("hospitalised", year, (sexe, band), num, truth["numerator"], f"dashboard pyramid {year} {sexe} {band}")
            add("seen", year, (sexe, band), den, truth["denominator"], f"dashboard pyramid {year} {sexe} {band}")
    return out


def recoveries(got: list[Cell]) -> list[str]:
    """What the attacker recovers: withheld counts given back by another answer, pairs or triples."""
    found = []
    by_quantity: dict[Quantity, list[Cell]] = defaultdict(list)
    for cell in got:
        by_quantity[cell.quantity].append(cell)
    for quantity, same in by_quantity.items():
        shown = [c for c in same if c.shown is not None]
        withheld = [c for c in same if c.shown is None and c.label]
        assert len({c.exact for c in same}) == 1, f"one quantity, two exact values: {quantity} {same}"
        if shown and withheld:
            found.append(f"same count: {withheld[0].where} withholds {withheld[0].exact}, {shown[0].where} shows it")
    known = {q: cs[0].exact for q, cs in by_quantity.items() if any(c.shown is not None for c in cs)}
    # The patients seen but not hospitalised: seen minus hospitalised of the same people.
    seen = {(q.start, q.end, q.finess, q.codes, q.extra): v for q, v in known.items() if q.measure == "seen"}
    for q, v in known.items():
        whole = seen.get((q.start, q.end, q.finess, q.codes, q.extra)) if q.measure == "hospitalised" else None
        if whole is not None and 1 <= whole - v <= 9:
            found.append(f"not hospitalised: {q} seen {whole} minus hospitalised {v} = {whole - v}")
    hidden = {q: cs[0] for q, cs in by_quantity.items() if all(c.shown is None and c.label for c in cs)}
    families: dict[tuple, list[Quantity]] = defaultdict(list)
    for q in by_quantity:
        families[(q.measure, q.extra)].append(q)
    for family in families.values():
        for small, large in ((a, b) for x, y in combinations(family, 2) for a, b in ((x, y), (y, x))):
            if not small.within(large) or small == large:
                continue
            if small in known and large in known and 1 <= known[large] - known[small] <= 9:
                found.append(f"pair: {large} minus {small} = {known[large] - known[small]}")
            rest = large.rest(small)
            if rest is None or small.measure not in ADDITIVE:
                continue
            # Triples: the whole and one part known, the other part withheld somewhere.
            for part, other in ((small, rest), (rest, small)):
                if large in known and part in known and other in hidden:
                    found.append(f"triple: {large} minus {part} gives the withheld {hidden[other].exact}")
    return found


@pytest.fixture(scope="module")
def attack(gold):
    con = analyses.connect_gold(gold.lake)
    return con, Universe(con), gold.lake


def _asked_as_a_user_without_the_right_to_lift_secrecy(name, period, filters) -> bool:
    return analyses.question_refusal(name, period, filters) is None


def test_no_withheld_count_is_recoverable_from_the_answers_one_user_gets(attack):
    con, universe, lake = attack
    got = answers(con, universe, _asked_as_a_user_without_the_right_to_lift_secrecy)
    got += dashboard_cells(con, lake, universe)
    assert sum(c.shown is None and c.label is not None for c in got) > 50, "the attack must face withheld cells"
    assert len({c.where for c in got}) > 60, "the attack must combine many answers"
    found = recoveries(got)
    assert not found, "\n".join(found[:20])


def test_the_attack_recovers_counts_when_any_question_is_allowed(attack):
    con, universe, _ = attack
    # The examples: a year against the year but a day or a month, one analysis of
    # events and one of people.
    found = recoveries(answers(con, universe, lambda *question: True,
                               ("consultations_by_establishment", "hospitalisation_rate")))
    assert any(f.startswith("pair:") for f in found), found[:5]
    assert len(found) > 20


def test_the_dashboard_and_chu_query_withhold_the_same_counts(tmp_path):
    """A region of two establishments, 5 and 25 consultations: the dashboard shows the
    region's total; chu query, whose total is the whole group, withholds 5 with a smaller
    establishment of another region (12) and shows 25. Were the dashboard to withhold 25 (the
    smallest complement in the region) and show 12, each surface would give the other's
    withheld count back; it keeps the marts' masks and withholds the region's total instead."""
    from chu_platform_tests.marts.conftest import synthetic_gold, write_gold

    tables = synthetic_gold()
    regions = {1: "84", 2: "84", 3: "11", 4: "11", 5: "11"}
    tables["dim_etablissement"] = tables["dim_etablissement"].with_columns(
        pl.col("etablissement_key").replace_strict(regions, default="unknown").alias("region_code"))
    counts = {1: 5, 2: 25, 3: 12, 4: 40, 5: 60}
    template = tables["fact_consultation"].filter(pl.col("year") == 2019).head(1)
    rows = [template.with_columns(pl.lit(i + 1).alias("consultation_id"), pl.lit(key).alias("etablissement_key"))
            for i, key in enumerate(k for k, n in counts.items() for _ in range(n))]
    tables["fact_consultation"] = pl.concat(rows)
    lake = str(tmp_path / "lake")
    write_gold(lake, tables)
    con = analyses.connect_gold(lake)
    universe = Universe(con)
    got = answers(con, universe, _asked_as_a_user_without_the_right_to_lift_secrecy, ("consultations_by_establishment",))
    found = recoveries(got + dashboard_cells(con, lake, universe))
    assert not found, "\n".join(found[:5])


def _crafted(tmp_path, regions: dict[int, str], cells: dict[tuple[int, int], int]):
    """A gold whose 2019 consultations are ``cells``: (establishment key, diagnosis key) -> count."""
    from chu_platform_tests.marts.conftest import synthetic_gold, write_gold

    tables = synthetic_gold()
    tables["dim_etablissement"] = tables["dim_etablissement"].with_columns(
        pl.col("etablissement_key").replace_strict(regions, default="unknown").alias("region_code"))
    template = tables["fact_consultation"].filter(pl.col("year") == 2019).head(1)
    keys = [k for k, n in cells.items() for _ in range(n)]
    tables["fact_consultation"] = pl.concat(
        [template.with_columns(pl.lit(i + 1).alias("consultation_id"), pl.lit(e).alias("etablissement_key"),
                               pl.lit(d).alias("diagnostic_key")) for i, (e, d) in enumerate(keys)])
    lake = str(tmp_path / "lake")
    write_gold(lake, tables)
    con = analyses.connect_gold(lake)
    return con, Universe(con), lake


def test_a_region_of_one_establishment_gives_no_withheld_count_back(tmp_path):
    """Region 84 holds one establishment (12 consultations: 1, 1 and 10 of three diagnoses).
    chu query shows its 12 (it is no small count, and the other establishments protect the
    small ones); the dashboard's breakdown of region 84 by diagnosis is that establishment's,
    and no masking of its three cells protects them under a shown total of 12 ("<10", "<10",
    "s": 1, 1 and 10). Withholding the region's total on the page alone would give nothing
    (it is the 12 chu query shows); the breakdown is withheld whole instead, and the page says so."""
    from chu_platform.dashboard import extract, payload

    con, universe, lake = _crafted(tmp_path, {1: "84", 2: "11", 3: "11", 4: "11", 5: "11"},
                                   {(1, 1): 1, (1, 2): 1, (1, 3): 10, (2, 1): 30, (2, 2): 25, (3, 3): 11,
                                    (4, 1): 3, (5, 2): 50, (5, 3): 22})
    got = answers(con, universe, _asked_as_a_user_without_the_right_to_lift_secrecy, ("consultations_by_establishment",
                                                                                     "consultations_by_diagnosis"))
    assert any(c.shown == 12 for c in got if c.where.startswith("chu query consultations_by_establishment"))
    found = recoveries(got + dashboard_cells(con, lake, universe))
    assert not found, "\n".join(found[:5])
    gold = extract.read_gold(lake)
    page = payload.build_payload(gold, payload.marts_masks(lake, gold))
    region = page["sel"]["2019-2019|r:84"]
    assert region["c"] == 12
    assert region["dg"] is None, region["dg"]
