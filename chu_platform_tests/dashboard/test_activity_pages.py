"""The "Séjours" and "Prévisions" pages: what they embed (the activity marts exactly as
published, the monthly history with its withheld cells) and what the browser draws (every
withheld cell with its label, an establishment's own figures, both languages)."""

from __future__ import annotations

from collections import defaultdict

import polars as pl
import pytest

from chu_platform.dashboard import activity as page_activity
from chu_platform.lib import delta_store
from chu_platform.layers.marts import activity, analyses, forecast
from chu_platform.layers.marts.secrecy import BOUND_COUNTS, records
from chu_platform_tests.dashboard.test_browser import LABELS, Page, browser  # noqa: F401 (fixture)
from chu_platform_tests.marts.conftest import synthetic_gold, write_gold

COUNT_FIELDS = {c for c in BOUND_COUNTS} | {"value"}


def _strip(rows: list[dict], columns: list[str]) -> list[dict]:
    return [{k: v for k, v in r.items() if k in columns} for r in rows]


def test_indicators_are_embedded_as_their_marts_publish_them(built):
    """Same cells as `chu query` and the BI warehouse: the mart's records, labels included."""
    act = built.doc["activity"]
    assert act["missing"] == []
    for key, (name, columns) in page_activity.INDICATORS.items():
        expected = activity.published(analyses.connect_gold(built.lake, tables=activity.get(name).reads), name)
        assert act[key] == _strip(records(expected.sort("year", maintain_order=True)), columns), key
        assert act[key], key
    assert any(v in LABELS for r in act["readm"] for v in r.values()), "the synthetic stays withhold readmissions"


def test_no_count_from_1_to_9_is_embedded(built):
    act = built.doc["activity"]
    rows = [r for key in page_activity.INDICATORS for r in act[key]]
    counts = [v for r in rows for k, v in r.items() if k in COUNT_FIELDS]
    counts += [v for series in act["hist"].values() for s in series.values() for v in s["value"]]
    counts += [v for series in act["fc"].values() for s in series.values() for v in s["forecast"]]
    assert counts and not [v for v in counts if isinstance(v, int | float) and 1 <= v <= 9]
    assert sum(v == "<10" for v in counts) > 0


def test_a_withheld_month_is_never_alone_in_its_year_nor_among_the_establishments(built):
    """A year's months add up to the year's count (shown elsewhere), the establishments'
    months to the group's: one withheld cell in such a group would be the total minus the rest."""
    hist = built.doc["activity"]["hist"]
    assert "group" not in hist["consultations"], "the group's consultations are the consultations page's cells"
    per_year, per_month = defaultdict(int), defaultdict(int)
    shown_group = set()
    for measure, series in hist.items():
        for name, s in series.items():
            for month, value in zip(s["m"], s["value"], strict=True):
                hidden = isinstance(value, str)
                per_year[(measure, name, month[:4])] += hidden
                if name == "group":
                    if not hidden:
                        shown_group.add((measure, month))
                else:
                    per_month[(measure, month)] += hidden
    assert 1 not in per_year.values()
    assert not [k for k, n in per_month.items() if n == 1 and (k in shown_group or k[0] == "consultations")]
    assert max(per_year.values()) >= 2


def test_the_page_reads_a_built_mart_and_says_which_are_missing(tmp_path):
    lake = str(tmp_path / "lake")
    write_gold(lake, synthetic_gold())
    section = page_activity.section(lake)
    assert section["missing"] == ["medication_use"] and section["med"] == []
    built_mart = activity.published(analyses.connect_gold(lake, tables=activity.STAY_TABLES), "census")
    changed = built_mart.with_columns(pl.lit(123).cast(pl.Int64).alias("saturation_days"))
    delta_store.write_table(changed, delta_store.table_uri(lake, ["marts", "census"]))
    assert {r["saturation_days"] for r in page_activity.section(lake)["census"]} == {123}


def test_forecast_and_backtest_are_the_marts(built):
    con = analyses.connect_gold(built.lake, tables=forecast.READS)
    predicted, scores = forecast.forecast_all(forecast.load_monthly(con))
    group = built.doc["activity"]["fc"]["stays"]["group"]
    rows = predicted.filter((pl.col("measure") == "stays") & (pl.col("series") == "group")).sort("month")
    assert group["m"] == [m.strftime("%Y-%m") for m in rows["month"]]
    for shown, exact in zip(group["forecast"], rows["forecast"], strict=True):
        assert shown == "<10" if 1 <= exact <= 9 else shown == pytest.approx(exact, abs=0.006)
    assert built.doc["activity"]["back"] == _strip(records(scores.sort("measure", "series")),
                                                   page_activity.BACKTEST_COLUMNS)


def _texts(view: Page, chart: str) -> list[str]:
    return [t for t in view.chart_texts(chart) if t in LABELS]


def test_stays_page_draws_withheld_cells_and_an_establishment_s_own_figures(browser, built):  # noqa: F811
    act = built.doc["activity"]
    last = built.data["years"][-1]
    view = Page(browser, built.path)
    for lang in ("fr", "en"):
        if lang == "en":
            view.language("en")
        view.show("stays")
        group = next(r for r in act["los"] if r["level"] == "group" and r["year"] == last)
        mean = f"{group['mean_days']:.1f}".replace(".", "," if lang == "fr" else ".")
        assert f"{last}" in view.page.inner_text("#narrative") and mean in view.page.inner_text("#narrative")
        rows = [r for r in act["readm"] if r["level"] == "establishment" and r["year"] == last]
        hidden = [r["rate"] for r in rows if isinstance(r["rate"], str)]
        note = view.withheld_note("st-readm-est")
        if 2 * len(hidden) > len(rows):
            assert f"{len(hidden)} " in note
        else:
            assert sorted(_texts(view, "st-readm-est")) == sorted(hidden)
        meds = [r for r in act["med"] if r["level"] == "top" and r["year"] == last]
        ticks = view.page.eval_on_selector_all("#st-med .ytick text", "els => els.map(e => e.textContent)")
        assert {r["denomination"] for r in meds} == set(ticks)
    labels = built.data["labels"]["est"]
    finess = next(r["finess"] for r in act["los"] if r["level"] == "establishment")
    index = next(i for i, row in enumerate(labels) if row[0] == finess)
    view.select("f-est", str(index))
    own = next(r for r in act["los"] if r["finess"] == finess and r["year"] == last and r["level"] == "establishment")
    assert labels[index][1] in view.page.inner_text("#narrative")
    assert f"{own['mean_days']:.1f}" in view.page.inner_text("#narrative")
    assert view.page.inner_text('[data-chart="st-los"] .scope-note') == "Figures of the chosen establishment."
    series = view.page.evaluate("document.getElementById('st-los').data[0].y")
    years = built.data["years"]
    expected = [next((r["mean_days"] for r in act["los"] if r["finess"] == finess and r["year"] == y
                      and r["level"] == "establishment"), None) for y in years]
    assert series == [v if isinstance(v, float) else None for v in expected]
    assert view.errors == [] and view.left == []


def test_forecast_page_draws_history_intervals_and_the_backtest(browser, built):  # noqa: F811
    act = built.doc["activity"]
    view = Page(browser, built.path)
    view.show("forecast")
    for chart in ("fc-stays", "fc-cons"):
        drawn = view.page.query_selector(f"#{chart} .main-svg")
        assert drawn or view.withheld_note(chart), chart
    names = view.page.evaluate("document.getElementById('fc-cons').data.map(t => t.name)")
    assert {"Intervalle à 95 %", "Intervalle à 80 %", "Historique", "Prévision"} <= set(names)
    cons = view.page.evaluate("document.getElementById('fc-cons').data.find(t => t.name === 'Historique').y")
    months = [m for y in built.data["years"] for m in built.data["sel"][f"{y}-{y}|all"]["mo"]]
    assert cons == [v if isinstance(v, int) else None for v in months][:len(cons)], "the consultations page's cells"
    back = view.page.evaluate("document.getElementById('fc-back').data.map(t => t.y)")
    group = {r["measure"]: r for r in act["back"] if r["series"] == "group"}
    assert back == [[group["stays"]["mase"], group["consultations"]["mase"]],
                    [group["stays"]["mase_seasonal_naive"], group["consultations"]["mase_seasonal_naive"]]]
    assert "MASE" in view.page.inner_text("#narrative")
    view.language("en")
    assert "forecast" in view.page.inner_text("#narrative")
    assert view.errors == [] and view.left == []


def test_history_withholds_a_second_month_and_a_second_establishment():
    """Crafted months: one month of 4 stays in a year of 40s, and one establishment of 3 in a
    month where the other has 50: each gets a complementary "s" cell beside its "<10"."""
    from datetime import date

    months = [date(2023, m, 1) for m in range(1, 13)]
    rows = []
    for i, month in enumerate(months):
        a = 4 if i == 5 else 40 + i
        b = 3 if i == 8 else 50 + i
        rows += [("stays", "A", month, float(a)), ("stays", "B", month, float(b)), ("stays", "group", month, float(a + b))]
    monthly = pl.DataFrame(rows, schema={"measure": pl.String, "series": pl.String, "month": pl.Date,
                                         "value": pl.Float64}, orient="row")
    shown = page_activity.history(monthly)
    labels = {s: r for s, r in ((s, shown.filter(pl.col("series") == s)["secret_value"].to_list()) for s in "AB")}
    assert labels["A"].count("<10") == 1 and labels["A"].count("s") >= 1
    assert labels["B"].count("<10") == 1 and labels["B"].count("s") >= 1
    june, september = shown.filter(pl.col("month") == months[5]), shown.filter(pl.col("month") == months[8])
    assert june.filter(pl.col("value").is_null()).height >= 2 and september.filter(pl.col("value").is_null()).height >= 2


def test_a_withheld_length_of_stay_is_said_withheld_never_as_a_number_of_days(browser, built, tmp_path):  # noqa: F811
    """"<10" labels a figure computed from fewer than 10 stays: the sentence says the length is
    withheld rather than "<10 days"."""
    import copy

    from chu_platform.dashboard import build

    doc = copy.deepcopy(built.doc)
    last = built.data["years"][-1]
    row = next(r for r in doc["activity"]["los"] if r["level"] == "establishment" and r["year"] == last and r["finess"])
    for column in ("stays", "mean_days", "median_days", "p90_days", "mean_change"):
        row[column] = "<10"
    path = build.write(tmp_path / "dashboard.html", doc)
    view = Page(browser, path)
    index = next(i for i, r in enumerate(built.data["labels"]["est"]) if r[0] == row["finess"])
    view.select("f-est", str(index))
    view.show("stays")
    text = view.page.inner_text("#narrative")
    assert "durée de séjour masquée" in text and "<10 jours" not in text, text
    view.language("en")
    text = view.page.inner_text("#narrative")
    assert "length of stay withheld" in text and "<10 days" not in text, text
    assert view.errors == [] and view.left == []


def _stays_conflicts(doc: dict) -> list[tuple]:
    """Establishment-years and group-years whose stays the dashboard's own cells and the
    length-of-stay mart (same count) do not withhold alike."""
    data, act = doc["data"], doc["activity"]
    index = {row[0]: str(i) for i, row in enumerate(data["labels"]["est"])}
    out = []
    for r in act["los"]:
        key = f"{r['year']}-{r['year']}"
        if r["level"] == "group":
            page = data["sel"][f"{key}|all"]["h"]
        elif r["level"] == "establishment" and r["finess"] in index and "h" in data["est"].get(index[r["finess"]], {}):
            page = data["est"][index[r["finess"]]]["h"][data["ranges"].index(key)]
        else:
            continue
        assert isinstance(page, str) or isinstance(r["stays"], str) or page == r["stays"], (r, page)
        if isinstance(page, str) != isinstance(r["stays"], str):
            out.append((r["year"], r["finess"], page, r["stays"]))
    return out


def test_stays_are_withheld_alike_on_the_overview_and_in_the_length_of_stay_mart(built):
    assert _stays_conflicts(built.doc) == []


def test_a_stay_count_the_mart_withholds_is_withheld_on_the_overview_too(tmp_path):
    """The length-of-stay mart as built in the lake (here with one establishment-year of 10 or
    more stays withheld as "s", as its complementary suppression may) fixes the dashboard's
    cell for the same count: withheld there too, with its complements chosen elsewhere."""
    from chu_platform.dashboard import build
    from chu_platform_tests.dashboard.conftest import CHECKS, instance_with_checks

    lake = str(tmp_path / "lake")
    write_gold(lake, synthetic_gold())
    mart = activity.published(analyses.connect_gold(lake, tables=activity.STAY_TABLES), "length_of_stay")
    target = mart.filter((pl.col("level") == "establishment") & pl.col("finess").is_not_null()
                         & (pl.col("stays") >= 10)).row(0, named=True)
    before = build.document(lake, instance_with_checks(), CHECKS, "fr")
    hit = (pl.col("level") == "establishment") & (pl.col("finess") == target["finess"]) & (pl.col("year") == target["year"])
    forced = mart.with_columns(
        pl.when(hit).then(None).otherwise(pl.col(c)).alias(c) for c in ("stays", "mean_days", "median_days", "p90_days",
                                                                          "mean_change")
    ).with_columns(pl.when(hit).then(pl.lit("s")).otherwise(pl.col("secret_stays")).alias("secret_stays"),
                   (pl.col("masked") | hit).alias("masked"))
    delta_store.write_table(forced, delta_store.table_uri(lake, ["marts", "length_of_stay"]))
    after = build.document(lake, instance_with_checks(), CHECKS, "fr")

    def overview(doc: dict):
        index = next(str(i) for i, r in enumerate(doc["data"]["labels"]["est"]) if r[0] == target["finess"])
        return doc["data"]["est"][index]["h"][doc["data"]["ranges"].index(f"{target['year']}-{target['year']}")]

    assert overview(before) == target["stays"]
    assert overview(after) == "s"
    assert _stays_conflicts(after) == []
