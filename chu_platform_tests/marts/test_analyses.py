"""Each analysis equals the same figure computed independently, in plain Python, from the gold rows."""

from collections import Counter, defaultdict
from datetime import date

import pytest

from chu_platform.layers.marts.analyses import ANALYSES, AnalysisError, connect_gold, default_period, run_analysis
from chu_platform.layers.marts.periods import Period, date_key
from polars.testing import assert_frame_equal

PERIODS = [Period.year(2019), Period(date(2019, 7, 1), date(2020, 6, 30)), Period(date(2020, 12, 1), date(2021, 1, 31))]


@pytest.fixture(scope="module")
def con(gold):
    return connect_gold(gold.lake)


def _in(period: Period, key: int) -> bool:
    return date_key(period.start) <= key <= date_key(period.end)


def _by_key(gold, table: str, key: str) -> dict:
    return {r[key]: r for r in gold.rows(table)}


def _consultations(gold, period, establishment=None, diagnosis=None):
    etabs, diags = _by_key(gold, "dim_etablissement", "etablissement_key"), _by_key(gold, "dim_diagnostic", "diagnostic_key")
    out = []
    for r in gold.rows("fact_consultation"):
        if not _in(period, r["date_key"]):
            continue
        if establishment and (r["etablissement_key"] is None or etabs[r["etablissement_key"]]["finess"] != establishment):
            continue
        if diagnosis and not (diags[r["diagnostic_key"]]["code_diag"] or "").startswith(diagnosis):
            continue
        out.append(r)
    return out


def _hospitalisations(gold, period, establishment=None):
    etabs = _by_key(gold, "dim_etablissement", "etablissement_key")
    return [r for r in gold.rows("fact_hospitalisation") if _in(period, r["date_entree_key"])
            and (not establishment or etabs[r["etablissement_key"]]["finess"] == establishment)]


def _shares(counts: Counter) -> dict:
    total = sum(counts.values())
    return {k: (n, total, n / total) for k, n in counts.items()}


def _result(df, key_columns):
    return {tuple(r[c] for c in key_columns) if len(key_columns) > 1 else r[key_columns[0]]:
            (r["numerator"], r["denominator"], pytest.approx(r["rate"])) for r in df.iter_rows(named=True)}


@pytest.mark.parametrize("period", PERIODS, ids=str)
def test_consultations_by_establishment(con, gold, period):
    etabs = _by_key(gold, "dim_etablissement", "etablissement_key")
    counts = Counter(etabs[r["etablissement_key"] if r["etablissement_key"] is not None else -1]["finess"]
                     for r in _consultations(gold, period))
    df = run_analysis(con, "consultations_by_establishment", period)
    assert _result(df, ["finess"]) == _shares(counts)
    assert df["period_from"].unique().to_list() == [period.start]
    assert df["period_to"].unique().to_list() == [period.end]


def test_establishment_filter_selects_a_row_and_keeps_the_whole_denominator(con, gold):
    period = Period.year(2020)
    df = run_analysis(con, "consultations_by_establishment", period, {"establishment": "750000002"})
    total = len(_consultations(gold, period))
    assert df.select("finess", "raison_sociale", "denominator").rows() == [("750000002", "Hôpital 2", total)]
    assert df["numerator"].item() == len(_consultations(gold, period, establishment="750000002"))


@pytest.mark.parametrize("period", PERIODS, ids=str)
def test_consultations_by_diagnosis_with_establishment(con, gold, period):
    diags = _by_key(gold, "dim_diagnostic", "diagnostic_key")
    counts = Counter(diags[r["diagnostic_key"]]["code_diag"] for r in _consultations(gold, period, establishment="750000001"))
    df = run_analysis(con, "consultations_by_diagnosis", period, {"establishment": "750000001"})
    assert _result(df, ["code_diag"]) == _shares(counts)


def test_diagnosis_filter_is_a_code_prefix(con, gold):
    df = run_analysis(con, "hospitalisations_by_diagnosis", Period.year(2021), {"diagnosis": "J45"})
    assert sorted(df["code_diag"].to_list()) == ["J45", "J45.0"]
    assert df["denominator"].unique().to_list() == [len(_hospitalisations(gold, Period.year(2021)))]


@pytest.mark.parametrize("period", PERIODS, ids=str)
def test_hospitalisations_by_diagnosis(con, gold, period):
    diags = _by_key(gold, "dim_diagnostic", "diagnostic_key")
    counts = Counter(diags[r["diagnostic_key"]]["code_diag"] for r in _hospitalisations(gold, period))
    assert _result(run_analysis(con, "hospitalisations_by_diagnosis", period), ["code_diag"]) == _shares(counts)


def _person(gold):
    return {r["patient_key"]: r for r in gold.rows("dim_patient") if r["patient_key"] != -1}


@pytest.mark.parametrize("period", PERIODS, ids=str)
@pytest.mark.parametrize("establishment", [None, "750000003"])
def test_hospitalisation_rate_counts_people_not_keys(con, gold, period, establishment):
    person = _person(gold)
    hospitalised = {person[r["patient_key"]]["patient_pseudo"] for r in _hospitalisations(gold, period, establishment)
                    if r["patient_key"] in person}
    consulted = {person[r["patient_key"]]["patient_pseudo"] for r in _consultations(gold, period, establishment)
                 if r["patient_key"] in person}
    seen = hospitalised | consulted
    df = run_analysis(con, "hospitalisation_rate", period, {"establishment": establishment})
    assert df.select("numerator", "denominator").rows() == [(len(hospitalised), len(seen))]
    assert df["rate"].item() == pytest.approx(len(hospitalised) / len(seen))


def _band(age):
    if age is None or age < 0:
        return "unknown"
    for upper, band in ((18, "0-17"), (40, "18-39"), (65, "40-64"), (80, "65-79")):
        if age < upper:
            return band
    return "80+"


@pytest.mark.parametrize("period", PERIODS[:2], ids=str)
def test_hospitalisations_by_sex_age(con, gold, period):
    person = _person(gold)
    seen, hospitalised = defaultdict(set), defaultdict(set)
    contacts = [(r["patient_key"], r["year"] - (person.get(r["patient_key"]) or {}).get("annee_naissance", 0), False)
                for r in _consultations(gold, period)]
    contacts += [(r["patient_key"], r["age_a_l_admission"], True) for r in _hospitalisations(gold, period)]
    for key, age, was_hospitalised in contacts:
        if key not in person:
            continue
        sexe, band, who = person[key]["sexe"] or "unknown", _band(age), person[key]["patient_pseudo"]
        for group in ((sexe, band), (sexe, "all"), ("all", band)):
            seen[group].add(who)
            if was_hospitalised:
                hospitalised[group].add(who)
    expected = {g: (len(hospitalised[g]), len(seen[g]), len(hospitalised[g]) / len(seen[g])) for g in seen}
    assert _result(run_analysis(con, "hospitalisations_by_sex_age", period), ["sexe", "age_band"]) == expected


def test_consultations_by_professional_and_specialty(con, gold):
    period = Period.year(2019)
    profs = _by_key(gold, "dim_professionnel", "professionnel_key")
    rows = _consultations(gold, period)
    by_prof = Counter(("professional", profs[r["professionnel_key"]]["identifiant"]) for r in rows)
    by_specialty = Counter(("specialty", profs[r["professionnel_key"]]["specialite"]) for r in rows)
    df = run_analysis(con, "consultations_by_professional", period)
    got = {(r["level"], r["identifiant"] or r["specialite"]): (r["numerator"], r["denominator"], pytest.approx(r["rate"]))
           for r in df.iter_rows(named=True)}
    assert got == _shares(by_prof) | _shares(by_specialty)


@pytest.mark.parametrize("year", [2019, 2020])
def test_deaths_by_region(con, gold, year):
    names = {r["region_code"]: r["region_nom"] for r in gold.rows("dim_geography")}
    counts = Counter(r["region_code"] for r in gold.rows("fact_deces") if r["date_deces_key"] // 10_000 == year)
    df = run_analysis(con, "deaths_by_region", Period.year(year))
    assert _result(df, ["region_code"]) == _shares(counts)
    assert all(r["deaths"] == r["numerator"] and r["region_nom"] == names[r["region_code"]] for r in df.iter_rows(named=True))
    assert df["region_code"].to_list()[-2:] == ["abroad", "unknown"], "abroad and unknown come apart, last"


def test_satisfaction_by_region_is_answer_weighted(con, gold):
    groups = defaultdict(list)
    for r in gold.rows("fact_satisfaction"):
        if r["year"] == 2020 and r["score_global"] is not None:
            groups[r["region_code"]].append((r["score_global"], r["nb_reponses"]))
    df = run_analysis(con, "satisfaction_by_region", Period.year(2020))
    got = {r["region_code"]: (pytest.approx(r["score"]), r["nb_reponses"], r["nb_etablissements"]) for r in df.iter_rows(named=True)}
    expected = {region: (sum(s * n for s, n in v) / sum(n for _, n in v), sum(n for _, n in v), len(v))
                for region, v in groups.items()}
    assert got == expected


def test_columns_are_the_documented_ones(con):
    for name, analysis in ANALYSES.items():
        period = Period.year(2020)
        assert run_analysis(con, name, period).columns == ["period_from", "period_to", *analysis.columns]


def test_default_period_is_the_latest_complete_year(con):
    assert default_period(con, "consultations_by_diagnosis", today=date(2026, 3, 1)) == Period.year(2021)
    assert default_period(con, "consultations_by_diagnosis", today=date(2021, 3, 1)) == Period.year(2020)
    assert default_period(con, "deaths_by_region", today=date(2026, 3, 1)) == Period.year(2020)


@pytest.mark.parametrize(("name", "period", "filters", "message"), [
    ("deaths_by_region", Period.year(2020), {"diagnosis": "J45"}, "does not take --diagnosis"),
    ("satisfaction_by_region", Period(date(2020, 1, 1), date(2020, 6, 30)), {}, "use --year"),
    ("nothing", Period.year(2020), {}, "choose one of"),
    ("hospitalisation_rate", Period.year(2020), {"establishment": "999999999"}, "no establishment with FINESS '999999999'"),
    ("consultations_by_diagnosis", Period.year(2020), {"diagnosis": "Z99"}, "no diagnosis code starting with 'Z99'"),
])
def test_questions_that_cannot_be_answered_say_why(con, name, period, filters, message):
    with pytest.raises(AnalysisError, match=message):
        run_analysis(con, name, period, filters)


def test_missing_gold_says_what_to_run(tmp_path):
    with pytest.raises(AnalysisError, match="chu run"):
        run_analysis(connect_gold(str(tmp_path / "lake")), "deaths_by_region", Period.year(2020))


def test_the_tables_an_analysis_reads_are_enough_to_answer_it(con, gold):
    """``chu query`` opens only ``tables_read(name)``: each analysis, with and without the filters
    it takes, answers the same on those tables as on the whole of gold."""
    from chu_platform.layers.marts.analyses import get, published, tables_read

    values = {"establishment": "750000001", "diagnosis": "J"}
    answered = 0
    for name in ANALYSES:
        few = connect_gold(gold.lake, tables=tables_read(name))
        assert len(tables_read(name)) < 9, name
        for filters in ({}, {f: values[f] for f in get(name).filters if f in values}):
            for period in (Period.year(2019), Period(date(2019, 7, 1), date(2020, 6, 30))):
                if get(name).yearly and period.whole_year is None:
                    continue
                assert_frame_equal(published(few, name, period, filters), published(con, name, period, filters))
                answered += 1
    assert answered >= 2 * len(ANALYSES)
