"""The figures the page embeds are the marts' figures: per year against the mart tables, per
year range and establishment against ``run_analysis``, per region against the analyses' SQL
restricted to the region's establishments. A masked figure is one the marts mask, or one
masked so that it cannot be recovered by subtraction."""

import polars as pl
import pytest

from chu_platform.layers.marts import sql
from chu_platform.layers.marts.analyses import run_analysis
from chu_platform.layers.marts.build import build_mart
from chu_platform.layers.marts.periods import Period


def same(embedded, exact) -> bool:
    """Shown and equal, or withheld where the exact figure is not zero, under the label that
    says the truth: "<10" only for 1-9, "s" only for 10 or more."""
    if isinstance(embedded, str):
        if embedded == "<10":
            return exact is not None and 1 <= exact <= 9
        return embedded == "s" and exact is not None and exact >= 10
    return embedded == exact or (isinstance(exact, float) and abs(embedded - exact) < 1e-4)


def withheld(value) -> bool:
    return isinstance(value, str)


NAMES = ("consultations_by_establishment", "consultations_by_diagnosis", "consultations_by_professional",
         "hospitalisation_rate", "hospitalisations_by_diagnosis", "hospitalisations_by_sex_age",
         "deaths_by_region", "satisfaction_by_region")


@pytest.fixture(scope="module")
def marts(built) -> dict[str, pl.DataFrame]:
    """Each analysis per year, exact (the marts before secrecy), with the mart's own mask."""
    con = built.con()
    out = {}
    for name in NAMES:
        exact = pl.concat([run_analysis(con, name, Period.year(y)).with_columns(pl.lit(y).alias("year"))
                           for y in built.data["years"]])
        published = build_mart(con, name)
        assert exact.height == published.height
        out[name] = exact.with_columns(published["masked"].alias("mart_masked"))
    return out


def mart_rows(marts, name: str, year: int) -> list[dict]:
    return marts[name].filter(pl.col("year") == year).to_dicts()


def test_headlines_equal_the_marts_every_year(built, marts):
    assert built.data["years"], "the dashboard embeds no year"
    for year in built.data["years"]:
        sel = built.data["sel"][f"{year}-{year}|all"]
        rate = mart_rows(marts, "hospitalisation_rate", year)[0]
        assert sel["s"] == rate["denominator"] and same(sel["hd"], rate["numerator"])
        assert withheld(sel["r"]) or sel["r"] == pytest.approx(rate["rate"], abs=1e-5)
        assert sel["c"] == mart_rows(marts, "consultations_by_establishment", year)[0]["denominator"]
        assert sel["h"] == mart_rows(marts, "hospitalisations_by_diagnosis", year)[0]["denominator"]
        assert not any(map(withheld, (sel["s"], sel["c"], sel["h"]))), "the synthetic totals are far above 10"


def test_breakdowns_equal_the_marts_every_year(built, marts):
    labels = built.data["labels"]
    compared = pyramid_cells = 0
    for year in built.data["years"]:
        sel = built.data["sel"][f"{year}-{year}|all"]
        by_finess = {r["finess"]: r for r in mart_rows(marts, "consultations_by_establishment", year)}
        by_code = {r["code_diag"]: r for r in mart_rows(marts, "consultations_by_diagnosis", year)}
        hosp_code = {r["code_diag"]: r for r in mart_rows(marts, "hospitalisations_by_diagnosis", year)}
        specialty = {r["specialite"]: r for r in mart_rows(marts, "consultations_by_professional", year)
                     if r["level"] == "specialty"}
        for rows, key, lookup in ((sel["est"], "est", by_finess), (sel["dg"], "diag", by_code),
                                  (sel["hdg"], "diag", hosp_code), (sel["sp"], "spec", specialty)):
            for index, n, share in rows:
                if index == -2:
                    continue
                if key == "est":
                    member = None if index == -1 else labels["est"][index][0]
                elif key == "diag":
                    member = labels["diag"][index][0]
                else:
                    member = labels["spec"][index]
                row = lookup[member]
                assert not row["mart_masked"] or withheld(n)
                assert same(n, row["numerator"]) and (withheld(n) or share == pytest.approx(row["rate"], abs=1e-5))
                compared += 1
        pyramid = {(r["sexe"], r["age_band"]): r for r in mart_rows(marts, "hospitalisations_by_sex_age", year)}
        for sexe, band, num, den, rate in sel["pyr"]:
            row = pyramid[(sexe, band)]
            assert same(den, row["denominator"]) and same(num, row["numerator"])
            if row["mart_masked"]:
                assert withheld(den) or withheld(num)
            compared += 1
            pyramid_cells += 1
    assert compared > 50 and pyramid_cells > 0


def test_deaths_and_satisfaction_equal_the_marts(built, marts):
    death_rows = satisfaction_rows = 0
    for year in built.data["years"]:
        deaths = built.data["deaths"][f"{year}-{year}"]
        rows = mart_rows(marts, "deaths_by_region", year)
        for row in rows:
            assert same(deaths.get(row["region_code"], 0), row["deaths"])
            death_rows += 1
        if rows:
            assert deaths[""] == rows[0]["denominator"]
        sat = built.data["sat"][f"{year}-{year}"]
        for row in mart_rows(marts, "satisfaction_by_region", year):
            score, answers, establishments = sat[row["region_code"]]
            assert same(answers, row["nb_reponses"]) and establishments == row["nb_etablissements"]
            assert score is None or withheld(score) or score == pytest.approx(row["score"], abs=0.005)
            satisfaction_rows += 1
    assert death_rows and satisfaction_rows, "the synthetic gold has deaths and satisfaction in some year"


@pytest.mark.parametrize("start,end", [(2018, 2021), (2019, 2020), (2020, 2021)])
def test_year_ranges_equal_the_analyses(built, start, end):
    con = built.con()
    period = Period.parse(str(start), str(end))
    sel = built.data["sel"][f"{start}-{end}|all"]
    rate = run_analysis(con, "hospitalisation_rate", period).row(0, named=True)
    assert same(sel["s"], rate["denominator"]) and same(sel["hd"], rate["numerator"])
    assert sel["c"] == run_analysis(con, "consultations_by_establishment", period)["denominator"][0]
    sexes = {(r["sexe"], r["age_band"]): r for r in run_analysis(con, "hospitalisations_by_sex_age", period).to_dicts()}
    assert sel["pyr"], "the pyramid of the range is empty"
    for sexe, band, num, den, _ in sel["pyr"]:
        assert same(den, sexes[(sexe, band)]["denominator"])


def test_establishment_selections_equal_the_analyses(built):
    con = built.con()
    labels, ranges = built.data["labels"]["est"], built.data["ranges"]
    checked = 0
    for index, series in built.data["est"].items():
        finess = labels[int(index)][0]
        for position, span in enumerate(ranges):
            start, end = span.split("-")
            period = Period.parse(start, end)
            cons = run_analysis(con, "consultations_by_establishment", period, {"establishment": finess})
            rate = run_analysis(con, "hospitalisation_rate", period, {"establishment": finess}).row(0, named=True)
            assert same(series["c"][position], cons["numerator"][0] if cons.height else 0)
            assert same(series["s"][position], rate["denominator"])
            assert same(series["hd"][position], rate["numerator"])
            checked += 1
    assert checked == len(built.data["est"]) * len(ranges) and checked > 0


def test_region_selections_equal_the_analyses_restricted_to_the_region(built):
    """The analyses have no region filter: their SQL with the establishment filter on the
    region's establishments instead, run on the same gold."""
    con = built.con()
    by_region = sql.HOSPITALISATION_RATE.replace("WHERE finess = $establishment", "WHERE region_code = $establishment")
    assert by_region != sql.HOSPITALISATION_RATE
    assert built.data["ranges"], "the dashboard embeds no year range"
    for span in built.data["ranges"]:
        start, end = (int(y) for y in span.split("-"))
        sel = built.data["sel"].get(f"{span}|r:11")
        params = {**Period.parse(str(start), str(end)).params(), "establishment": "11", "diagnosis": None}
        numerator, denominator, _ = con.execute(by_region, params).fetchone()
        assert same(sel["hd"], numerator) and same(sel["s"], denominator)
        consultations = con.execute(
            "SELECT count(*) FROM fact_consultation f JOIN dim_etablissement e USING (etablissement_key) "
            "WHERE e.region_code = '11' AND f.year BETWEEN $a AND $b", {"a": start, "b": end}).fetchone()[0]
        assert same(sel["c"], consultations)
