"""What the page embeds: every filter selection's figures, secrecy applied, as JSON-ready dicts.

Selections are precomputed here, never summed in the browser: for each year range (every
``from <= to`` of the years present) and each scope (the group, each region), the headline
figures and the breakdowns the charts draw; for each establishment, its headline figures per
range. Breakdowns keep the top ``TOP`` members (the shown ones first) and an "others" bar. "Others"
is shown whenever the total and every top member are, since it is then their difference, which
a reader can compute anyway; it is withheld when a top member is (it would give that member
back) or the total is. A withheld figure is embedded as its label (``secrecy.label``).
"""

from __future__ import annotations

from collections import defaultdict

import polars as pl

from chu_platform.dashboard import activity, measures, secrecy
from chu_platform.dashboard.extract import UNKNOWN_DIAGNOSIS, Gold
from chu_platform.dashboard.measures import ALL, TOTAL
from chu_platform.layers.marts import analyses, suppression
from chu_platform.lib import delta_store
from chu_platform.layers.marts.periods import Period

TOP = 12
OTHERS = -2
UNKNOWN = -1
NO_SCORE = -1
BREAKDOWNS = {"est": "cons", "dg": "cons_diag", "sp": "cons_spec", "hdg": "hosp_diag"}

# The contract with static/dashboard.js: the short keys of each selection (``sel["<range>|<scope>"]``)
# and of each establishment's series (``est["<index>"]``), kept short because the page embeds
# tens of thousands of them. docs/dashboard.md lists them; a test holds the three together.
SELECTION_KEYS = {
    "c": "consultations (a count, or a withheld cell's label)",
    "h": "hospital stays",
    "s": "distinct patients seen (consulted)",
    "hd": "distinct patients seen who were hospitalised",
    "r": "hospitalisation rate: hd / s, in %",
    "pyr": "age pyramid of the stays: [age band, women, men]",
    "mo": "consultations per month (single-year ranges only)",
    "est": "top establishments by consultations: [establishment, count, share %]",
    "dg": "top diagnoses of the consultations: [diagnosis, count, share %]",
    "sp": "top specialties of the consultations: [specialty, count, share %]",
    "hdg": "top diagnoses of the stays: [diagnosis, count, share %]",
}
ESTABLISHMENT_KEYS = {
    "c": "consultations, one value per range (``ranges``)",
    "h": "hospital stays, per range",
    "s": "distinct patients seen, per range",
    "hd": "distinct patients hospitalised, per range",
    "sat": "e-Satis score, per range (-1: no score)",
}
_BREAKDOWN_TOTAL = {"cons_diag": "cons", "cons_spec": "cons", "cons_month": "cons", "hosp_diag": "hosp"}


def secrecy_groups(cells: pl.DataFrame, est_region: dict[str, str | None]) -> list[secrecy.Group]:
    """Every (total, parts) the page shows or lets a reader derive, per year."""
    items: dict[tuple, list[str]] = defaultdict(list)
    for measure, year, scope, item in cells.select("measure", "year", "scope", "item").iter_rows():
        items[(measure, year, scope)].append(item)
    years = sorted(set(cells["year"].to_list()))
    groups: list[secrecy.Group] = []
    for y in years:
        for m in ("cons", "hosp"):
            scopes = [s for (mm, yy, s) in items if mm == m and yy == y]
            regions = [s for s in scopes if s.startswith("r:")]
            ests = [s for s in scopes if s.startswith("e:")]
            total, rest, unknown = (m, y, ALL, TOTAL), (f"{m}_rest", y, ALL, TOTAL), (f"{m}_unknown", y, ALL, TOTAL)
            groups.append((total, [(m, y, r, TOTAL) for r in regions] + [rest]))
            groups.append((rest, [(m, y, e, TOTAL) for e in ests if est_region.get(e[2:]) is None] + [unknown]))
            by_region: dict[str, list] = defaultdict(list)
            for e in ests:
                if est_region.get(e[2:]) is not None:
                    by_region[est_region[e[2:]]].append((m, y, e, TOTAL))
            for r in regions:
                groups.append(((m, y, r, TOTAL), by_region.get(r[2:], [])))
            groups.append((total, [(m, y, e, TOTAL) for e in ests] + [unknown]))
        for m, t in _BREAKDOWN_TOTAL.items():
            scopes = [s for (mm, yy, s) in items if mm == m and yy == y]
            for s in scopes:
                groups.append(((t, y, s, TOTAL), [(m, y, s, i) for i in items[(m, y, s)]]))
            regional = [s for s in scopes if s != ALL]
            for i in items.get((m, y, ALL), []):
                groups.append(((m, y, ALL, i), [(m, y, s, i) for s in regional] + [(f"{m}_rest", y, ALL, i)]))
        for m in ("deaths", "answers"):
            groups.append(((m, y, ALL, TOTAL), [(m, y, ALL, i) for i in items.get((m, y, ALL), []) if i != TOTAL]))
    return groups


def people_key(year: int, count: str, sexe: str = ALL, band: str = ALL) -> tuple:
    """The key of a count of people of the whole group in ``marts_masks``: ``count`` ("seen" or
    "hospitalised") of one year, of a sex and age band ("all": every one)."""
    return ("people", year, ALL, count, sexe, band)


def _published_years(lake: str, con, name: str) -> list[tuple[int, pl.DataFrame]]:
    """Each year's published answer of an analysis: read from its mart, which holds exactly
    ``chu query NAME --year Y`` for every year (``layers/marts/build.build_mart``), or computed
    the same way when the lake has no mart yet."""
    uri = delta_store.table_uri(lake, ["marts", name])
    if delta_store.exists(uri):
        mart = delta_store.read(uri)
        return [(int(year), mart.filter(pl.col("year") == year).drop("year"))
                for year in sorted(mart["year"].unique().to_list())]
    found = []
    for year in analyses.years_present(con, name):
        try:
            found.append((year, analyses.published(con, name, Period.year(year))))
        except analyses.AnalysisError:
            continue
    return found


def marts_masks(lake: str, gold: Gold) -> dict[tuple, bool]:
    """Whether the marts (``chu query``, the BI warehouse) withhold each yearly count they
    share with the page, keyed as the page's cells: an establishment's and the group's
    consultations, each diagnosis' consultations and stays, each specialty's consultations,
    each region's deaths and answers, and the totals; the patients seen and hospitalised in
    the group, overall and by sex and age band (``people_key``)."""
    con = analyses.connect_gold(lake)
    diagnosis = {code: str(key) for key, code in gold.diagnoses.select("diagnostic_key", "code_diag").iter_rows()}
    diagnosis.setdefault(None, str(UNKNOWN))

    def keys(name: str, row: dict, year: int) -> list[tuple[tuple, str]]:
        if name == "consultations_by_establishment":
            own = ("cons_unknown", year, ALL, TOTAL) if row["finess"] is None else ("cons", year, f"e:{row['finess']}", TOTAL)
            return [(own, "numerator"), (("cons", year, ALL, TOTAL), "denominator")]
        if name == "consultations_by_diagnosis":
            return [(("cons_diag", year, ALL, diagnosis.get(row["code_diag"])), "numerator"),
                    (("cons", year, ALL, TOTAL), "denominator")]
        if name == "hospitalisations_by_diagnosis":
            return [(("hosp_diag", year, ALL, diagnosis.get(row["code_diag"])), "numerator"),
                    (("hosp", year, ALL, TOTAL), "denominator")]
        if name == "consultations_by_professional" and row["level"] == "specialty":
            return [(("cons_spec", year, ALL, row["specialite"]), "numerator"), (("cons", year, ALL, TOTAL), "denominator")]
        if name == "deaths_by_region":
            return [(("deaths", year, ALL, row["region_code"]), "deaths"), (("deaths", year, ALL, TOTAL), "denominator")]
        if name == "satisfaction_by_region":
            return [(("answers", year, ALL, row["region_code"]), "nb_reponses")]
        if name == "hospitalisation_rate":
            return [(people_key(year, "seen"), "denominator"), (people_key(year, "hospitalised"), "numerator")]
        if name == "hospitalisations_by_sex_age":
            return [(people_key(year, "seen", row["sexe"], row["age_band"]), "denominator"),
                    (people_key(year, "hospitalised", row["sexe"], row["age_band"]), "numerator")]
        return []

    fixed: dict[tuple, bool] = {}
    for name in ("consultations_by_establishment", "consultations_by_diagnosis", "hospitalisations_by_diagnosis",
                 "consultations_by_professional", "deaths_by_region", "satisfaction_by_region",
                 "hospitalisation_rate", "hospitalisations_by_sex_age"):
        for year, frame in _published_years(lake, con, name):
            if name == "consultations_by_professional":
                # Only the specialties' rows are counts the page shows (not the professionals').
                frame = frame.filter(pl.col("level") == "specialty")
            for row in frame.iter_rows(named=True):
                for key, column in keys(name, row, year):
                    fixed[key] = fixed.get(key, False) or row[column] is None
    # The stays per establishment and year the length-of-stay mart publishes (Séjours page).
    for key, masked in activity.shared_masks(lake).items():
        fixed[key] = fixed.get(key, False) or masked
    return fixed


def masked_cells(cells: pl.DataFrame, est_region: dict[str, str | None],
                 fixed: dict[tuple, bool] | None = None) -> pl.DataFrame:
    """``cells`` with the ``masked`` flag of ``secrecy.protection`` over every group, the counts
    the marts also publish withheld exactly as the marts withhold them (``marts_masks``), and
    the ``whole`` flag of the cells of a breakdown withheld whole (not drawn at all)."""
    keys = list(cells.select("measure", "year", "scope", "item").iter_rows())
    values = dict(zip(keys, cells["n"].to_list()))
    hidden, whole = secrecy.protection(values, secrecy_groups(cells, est_region), fixed)
    return cells.with_columns(pl.Series("masked", [k in hidden or k in whole for k in keys], dtype=pl.Boolean),
                              pl.Series("whole", [k in whole for k in keys], dtype=pl.Boolean))


def _share(n: int | str | None, total: int | str | None) -> float | str | None:
    """``n / total``; a rate computed from a withheld count reads as that count's label."""
    for count in (n, total):
        if secrecy.withheld(count):
            return count
    return None if n is None or not total else round(n / total, 5)


class Labels:
    """Index tables: breakdown members are embedded as small integers into these lists."""

    def __init__(self, gold: Gold):
        est = gold.establishments.filter(pl.col("finess").is_not_null()).unique("finess").sort("finess")
        self.establishments = [[f, n or f, r] for f, n, r in est.select("finess", "raison_sociale", "region").iter_rows()]
        self.est_index = {row[0]: i for i, row in enumerate(self.establishments)}
        diag = gold.diagnoses.sort("diagnostic_key")
        self.diagnoses: list[list] = []
        self.diag_index: dict[str, int] = {}
        for key, code, label in diag.select("diagnostic_key", "code_diag", "libelle").iter_rows():
            self.diag_index[str(key)] = len(self.diagnoses)
            self.diagnoses.append([code, label if key != -1 else UNKNOWN_DIAGNOSIS])
        self.specialties: list[str] = []
        self.spec_index: dict[str, int] = {}

    def diagnosis(self, key: str) -> int:
        if key not in self.diag_index:
            self.diag_index[key] = len(self.diagnoses)
            self.diagnoses.append([None, UNKNOWN_DIAGNOSIS])
        return self.diag_index[key]

    def specialty(self, name: str) -> int:
        if name not in self.spec_index:
            self.spec_index[name] = len(self.specialties)
            self.specialties.append(name)
        return self.spec_index[name]

    def member(self, key: str, item: str) -> int:
        if key == "est":
            return self.est_index[item[2:]] if item.startswith("e:") else UNKNOWN
        if key == "sp":
            return self.specialty(item)
        return self.diagnosis(item)


def ranges(years: list[int]) -> list[tuple[int, int]]:
    return [(a, b) for a in years for b in years if a <= b]


def range_key(start: int, end: int) -> str:
    return f"{start}-{end}"


def build_payload(gold: Gold, fixed: dict[tuple, bool] | None = None) -> dict:
    """The figures of every selection, masked; see the module docstring for the layout.
    ``fixed``: the marts' masks of the counts both publish (``marts_masks``)."""
    years = gold.years
    labels = Labels(gold)
    est_region = {row[0]: row[2] for row in labels.establishments}
    cells = masked_cells(measures.event_cells(gold), est_region, fixed)
    months = _months(cells)
    est_region_frame = pl.DataFrame({"item": [f"e:{f}" for f, r in est_region.items() if r is not None],
                                     "region": [r for r in est_region.values() if r is not None]},
                                    schema={"item": pl.String, "region": pl.String})
    people = measures.people_masks(gold, years) if years else None
    groups = measures.group_masks(gold, years) if years else None
    sat = measures.satisfaction(gold)
    region_codes = [c for c in gold.regions["region_code"].to_list() if c not in ("abroad", "unknown")]
    scopes = [ALL, *(f"r:{c}" for c in region_codes)]
    selections: dict[str, dict] = {}
    establishments: dict[str, dict[str, list]] = defaultdict(lambda: defaultdict(list))
    deaths: dict[str, dict] = {}
    satisfaction: dict[str, dict] = {}
    people_counts = []
    for a, b in ranges(years):
        bits = measures.range_bits(years, a, b)
        counted = measures.count_in_range(people, ["scope"], bits).with_columns(
            pl.lit(a).alias("start"), pl.lit(b).alias("end"))
        people_counts.append(counted)
    distinct = _distinct(pl.concat(people_counts) if people_counts else None, fixed or {})
    pyramid = _pyramid(groups, years, fixed or {})
    est_sat = _establishment_satisfaction(sat, years)
    every_range = {(a, b): secrecy.range_masked(cells, a, b, ["measure", "scope", "item"]) for a, b in ranges(years)}
    # The breakdowns of every range at once: one sort and one pass, not one per range.
    all_parts = _parts(pl.concat([r.with_columns(pl.lit(a).alias("start"), pl.lit(b).alias("end"))
                                  for (a, b), r in every_range.items()], how="diagonal_relaxed"),
                       est_region_frame) if every_range else {}
    for a, b in ranges(years):
        key = range_key(a, b)
        ranged = every_range[(a, b)]
        totals = {(m, s): (n, masked) for m, s, n, masked in ranged.filter(pl.col("item") == TOTAL)
                  .select("measure", "scope", "n", "masked").iter_rows()}
        deaths[key] = {i: secrecy.value(n, m) for i, n, m in ranged.filter(pl.col("measure") == "deaths")
                       .select("item", "n", "masked").iter_rows()}
        answers = {i: (n, m) for i, n, m in ranged.filter(pl.col("measure") == "answers")
                   .select("item", "n", "masked").iter_rows()}
        satisfaction[key] = _region_satisfaction(measures.satisfaction_in_range(sat, a, b), answers)
        parts = all_parts.get((a, b), {})
        dist = distinct.get(key, {})
        for scope in scopes:
            selections[f"{key}|{scope}"] = _selection(scope, totals, parts, dist, pyramid.get((key, scope), []),
                                                      labels, months.get((a, scope), [0] * 12), a == b)
        for (m, s), (n, masked) in totals.items():
            if s.startswith("e:") and m in ("cons", "hosp"):
                establishments[s[2:]][m].append((key, secrecy.value(n, masked)))
        for s, (seen, hosp) in dist.items():
            if s.startswith("e:"):
                establishments[s[2:]]["s"].append((key, seen))
                establishments[s[2:]]["hd"].append((key, hosp))
    keys = [range_key(a, b) for a, b in ranges(years)]
    per_establishment = {}
    for finess, series in establishments.items():
        if finess not in labels.est_index:
            continue
        row = {}
        for m, values in series.items():
            got = dict(values)
            row[{"cons": "c", "hosp": "h"}.get(m, m)] = [got.get(k, 0) for k in keys]
        per_establishment[str(labels.est_index[finess])] = row
    for finess, values in est_sat.items():
        if finess in labels.est_index:
            per_establishment.setdefault(str(labels.est_index[finess]), {})["sat"] = [values.get(k, NO_SCORE) for k in keys]
    return {
        "years": years,
        "ranges": keys,
        "regions": [[c, n] for c, n in gold.regions.select("region_code", "region_nom").iter_rows()],
        "labels": {"est": labels.establishments, "diag": labels.diagnoses, "spec": labels.specialties},
        "sel": selections,
        "est": per_establishment,
        "deaths": deaths,
        "sat": satisfaction,
        "scores": _scores(sat, labels),
        "quintiles": _quintiles(sat),
    }


_KEYS = {"cons_diag": "dg", "cons_spec": "sp", "hosp_diag": "hdg"}


def _parts(ranged: pl.DataFrame, est_region: pl.DataFrame
           ) -> dict[tuple[int, int], dict[tuple[str, str], tuple[list, tuple | None] | None]]:
    """Per range (``start``, ``end``) and per (breakdown, scope): the top members (item, n,
    masked) and the "others" (n, masked); ``None`` for a breakdown withheld whole
    (``secrecy.protection``). ``ranged``: every range's cells (``secrecy.range_masked``)."""
    out: dict[tuple[int, int], dict[tuple[str, str], tuple[list, tuple | None] | None]] = defaultdict(dict)
    span = ["start", "end"]
    members = ranged.filter(pl.col("measure").is_in(list(_KEYS)) & (pl.col("item") != TOTAL)).select(
        *span, pl.col("measure").replace_strict(_KEYS).alias("key"), "scope", "item", "n", "masked")
    est = ranged.filter((pl.col("measure") == "cons") & pl.col("scope").str.starts_with("e:")).select(
        *span, pl.lit("est").alias("key"), pl.col("scope").alias("item"), "n", "masked")
    unknown = ranged.filter(pl.col("measure") == "cons_unknown").select(
        *span, pl.lit("est").alias("key"), pl.lit("?").alias("item"), "n", "masked")
    regional = est.join(est_region, on="item").select(*span, "key", (pl.lit("r:") + pl.col("region")).alias("scope"),
                                                      "item", "n", "masked")
    columns = [*span, "key", "scope", "item", "n", "masked"]
    every = pl.concat([members.select(columns),
                       pl.concat([est, unknown]).with_columns(pl.lit(ALL).alias("scope")).select(columns),
                       regional.select(columns)]).filter(pl.col("n") > 0)
    group = [*span, "key", "scope"]
    ranked = every.sort([*group, "masked", "n", "item"], descending=[False] * len(group) + [False, True, False]).with_columns(
        pl.int_range(pl.len()).over(group).alias("rank"))
    # Sorted once, read row by row: tens of thousands of groups (a frame or a sort each took seconds).
    for a, b, key, scope, item, n, masked in ranked.filter(pl.col("rank") < TOP).select(*group, "item", "n", "masked").iter_rows():
        out[(a, b)].setdefault((key, scope), ([], None))[0].append((item, n, masked))
    rest = ranked.filter(pl.col("rank") >= TOP).group_by(group).agg(pl.col("n").sum(), pl.col("masked").any())
    for a, b, key, scope, n, masked in rest.iter_rows():
        out[(a, b)][(key, scope)] = (out[(a, b)][(key, scope)][0], (n, masked))
    if "whole" in ranged.columns:
        for a, b, key, scope in ranged.filter(pl.col("whole") & pl.col("measure").is_in(list(_KEYS))).select(
                *span, pl.col("measure").replace_strict(_KEYS), "scope").unique().iter_rows():
            out[(a, b)][(key, scope)] = None
    return out


def _top(rows: list[tuple[int, int, bool]], others: tuple[int, bool] | None, total: int | str | None) -> list[list]:
    out = [[i, secrecy.value(n, m), _share(secrecy.value(n, m), total)] for i, n, m in rows]
    if others is not None:
        hidden = secrecy.withheld(total) or any(m for _, _, m in rows)
        shown = secrecy.value(others[0], hidden)
        out.append([OTHERS, shown, _share(shown, total)])
    return out


def _selection(scope, totals, parts, dist, pyramid, labels: Labels, months: list | None, single_year: bool) -> dict:
    cons, cons_masked = totals.get(("cons", scope), (0, False))
    hosp, hosp_masked = totals.get(("hosp", scope), (0, False))
    c, h = secrecy.value(cons, cons_masked), secrecy.value(hosp, hosp_masked)
    seen, hospitalised = dist.get(scope, (0, 0))
    out = {"c": c, "h": h, "s": seen, "hd": hospitalised, "r": _share(hospitalised, seen), "pyr": pyramid}
    for key in BREAKDOWNS:
        got = parts.get((key, scope), ([], None))
        if got is None:  # withheld whole: the page says so in one line
            out[key] = None
            continue
        rows, others = got
        out[key] = _top([(labels.member(key, i), n, m) for i, n, m in rows], others, h if key == "hdg" else c)
    if single_year:
        out["mo"] = months  # None: withheld whole
    return out


def _months(cells: pl.DataFrame) -> dict[tuple[int, str], list | None]:
    """Per (year, scope): the twelve months' consultations, ``None`` when withheld whole."""
    got: dict[tuple[int, str], dict[int, int | None]] = defaultdict(dict)
    whole = set()
    for y, s, i, n, m, w in cells.filter(pl.col("measure") == "cons_month").select(
            "year", "scope", "item", "n", "masked", "whole").iter_rows():
        got[(y, s)][int(i)] = secrecy.value(n, m)
        if w:
            whole.add((y, s))
    return {k: None if k in whole else [v.get(month, 0) for month in range(1, 13)] for k, v in got.items()}


def _people_masks(checked: pl.DataFrame, fixed: dict[tuple, bool], keys: list[str]) -> pl.DataFrame:
    """The flags of counts of people as the marts set them where both publish the count (one
    year, the whole group: ``fixed``), then the patients seen but not hospitalised withheld by
    the marts' own rule (``suppression.split``): one rule, one answer on every surface."""
    def marts(count: str) -> pl.Series:
        return pl.Series([
            row["start"] == row["end"] and row["scope"] == ALL
            and fixed.get(people_key(row["start"], count, row.get("sexe", ALL), row.get("age_band", ALL)), False)
            for row in checked.select("scope", "start", "end", *keys).iter_rows(named=True)], dtype=pl.Boolean)

    checked = checked.with_columns(pl.col("seen_masked") | marts("seen"), pl.col("hospitalised_masked") | marts("hospitalised"))
    return suppression.split(checked, "hospitalised", "seen", "hospitalised_masked", "seen_masked")


def _distinct(counted: pl.DataFrame | None, fixed: dict[tuple, bool]) -> dict[str, dict[str, tuple]]:
    if counted is None:
        return {}
    checked = secrecy.nested_differences(counted, ["scope"], "seen")
    checked = secrecy.nested_differences(checked, ["scope"], "hospitalised")
    checked = _people_masks(checked, fixed, [])
    out: dict[str, dict[str, tuple]] = defaultdict(dict)
    for scope, a, b, seen, hosp, seen_m, hosp_m in checked.select(
            "scope", "start", "end", "seen", "hospitalised", "seen_masked", "hospitalised_masked").iter_rows():
        out[range_key(a, b)][scope] = (secrecy.value(seen, seen_m), secrecy.value(hosp, hosp_m))
    return out


def _pyramid(groups: pl.DataFrame | None, years: list[int], fixed: dict[tuple, bool]) -> dict[tuple[str, str], list]:
    if groups is None:
        return {}
    frames = [
        measures.count_in_range(groups, ["scope", "sexe", "age_band"], measures.range_bits(years, a, b))
        .with_columns(pl.lit(a).alias("start"), pl.lit(b).alias("end"))
        for a, b in ranges(years)
    ]
    keys = ["scope", "sexe", "age_band"]
    checked = secrecy.nested_differences(pl.concat(frames), keys, "seen")
    checked = secrecy.nested_differences(checked, keys, "hospitalised")
    checked = _people_masks(checked, fixed, ["sexe", "age_band"])
    out: dict[tuple[str, str], list] = defaultdict(list)
    for scope, sexe, band, a, b, seen, hosp, seen_m, hosp_m in checked.sort(keys).select(
            *keys, "start", "end", "seen", "hospitalised", "seen_masked", "hospitalised_masked").iter_rows():
        if "unknown" in (sexe, band):
            continue
        den, num = secrecy.value(seen, seen_m), secrecy.value(hosp, hosp_m)
        out[(range_key(a, b), scope)].append([sexe, band, num, den, _share(num, den)])
    return out


def _region_satisfaction(ranged: pl.DataFrame, answers: dict[str, tuple[int, bool]]) -> dict[str, list]:
    out = {}
    for region, score, establishments in ranged.select("region", "score", "establishments").iter_rows():
        n, masked = answers.get(TOTAL if region == ALL else region, (0, False))
        shown = secrecy.value(n, masked)
        if not n:
            continue
        score = shown if secrecy.withheld(shown) else None if score is None else round(score, 2)
        out[region] = [score, shown, establishments]
    return out


def _establishment_satisfaction(sat: measures.Satisfaction, years: list[int]) -> dict[str, dict[str, float | str]]:
    """Per establishment and range: its answer-weighted score, withheld (the label of its
    answers) when a year of the range had 1 to 9 answers (that year's score would otherwise be
    recoverable)."""
    out: dict[str, dict[str, float | str]] = defaultdict(dict)
    rows = defaultdict(dict)
    for finess, year, n, weighted in sat.establishments.select("finess", "year", "nb_reponses", "weighted").iter_rows():
        rows[finess][year] = (n, weighted)
    for finess, by_year in rows.items():
        for a, b in ranges(years):
            inside = [v for y, v in by_year.items() if a <= y <= b]
            if not inside:
                continue
            if any(secrecy.small(n) for n, _ in inside):
                out[finess][range_key(a, b)] = secrecy.label(sum(n for n, _ in inside))
            else:
                out[finess][range_key(a, b)] = round(sum(w for _, w in inside) / sum(n for n, _ in inside), 2)
    return out


def _scores(sat: measures.Satisfaction, labels: Labels) -> list[list]:
    """[establishment index, year, score, region of the fact] for every published score (10+ answers)."""
    return [
        [labels.est_index[f], y, round(s, 2), r]
        for f, y, s, r in sat.establishments.filter(pl.col("nb_reponses") >= secrecy.THRESHOLD)
        .select("finess", "year", "score", "region").iter_rows()
        if f in labels.est_index
    ]


def _quintiles(sat: measures.Satisfaction) -> dict[str, dict[str, list[float]]]:
    """Per year, the national and regional quintile bounds of published establishment scores."""
    scored = sat.establishments.filter(pl.col("nb_reponses") >= secrecy.THRESHOLD)
    probs = (0.2, 0.4, 0.6, 0.8)
    out: dict[str, dict[str, list[float]]] = defaultdict(dict)

    def bounds(frame: pl.DataFrame) -> list[float]:
        return [round(float(frame["score"].quantile(p, "linear")), 2) for p in probs]

    for (year,), frame in scored.group_by("year"):
        out[str(year)][ALL] = bounds(frame)
        for (region,), part in frame.group_by("region"):
            if region is not None and part.height >= 5:
                out[str(year)][region] = bounds(part)
    return out
