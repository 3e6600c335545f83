"""The file in a real browser: Debian's Chromium, headless, every request but the file's own
refused. No console error, no failed request, every chart of every page drawn, and the
headlines follow the year and region filters to the analyses' values for the selection.
A screenshot of each page is kept in the test's tmp dir."""

from pathlib import Path

import pytest

from chu_platform.dashboard.figures import PAGES
from chu_platform.dashboard.narratives import fmt_count, fmt_rate
from chu_platform.marts.analyses import run_analysis
from chu_platform.marts.periods import Period
from chu_platform_tests.conftest import missing

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]


@pytest.fixture(scope="module")
def browser():
    if not CHROMIUM.exists():
        missing(f"{CHROMIUM} is missing: apt-get install -y chromium (.ci/run does)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield browser
        browser.close()


class Page:
    """One opened dashboard, recording console errors and every request that tried to leave."""

    def __init__(self, browser, path: Path):
        self.page = browser.new_page(viewport={"width": 1400, "height": 1000})
        self.errors: list[str] = []
        self.failed: list[str] = []
        self.left: list[str] = []
        self.page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.on("requestfailed", lambda r: self.failed.append(r.url))
        self.page.route("**/*", self._route)
        self.page.goto(path.as_uri())
        self.wait("overview")

    def _route(self, route):
        if route.request.url.startswith("file:"):
            route.continue_()
        else:
            self.left.append(route.request.url)
            route.abort()

    def wait(self, page: str) -> None:
        self.page.wait_for_function(f"(document.body.dataset.rendered || '').startsWith('{page}|')", timeout=30_000)

    def show(self, page: str) -> None:
        self.page.click(f'[data-nav="{page}"]')
        self.wait(page)

    def select(self, control: str, value: str) -> None:
        before = self.page.evaluate("document.body.dataset.rendered")
        self.page.select_option(f"#{control}", value)
        self.page.wait_for_function(f"document.body.dataset.rendered !== {before!r}", timeout=30_000)

    def kpi(self, name: str) -> str:
        return self.page.inner_text(f'[data-kpi="{name}"]')

    def charts_drawn(self, page: str) -> tuple[int, list[str]]:
        ids = self.page.eval_on_selector_all(f"#page-{page} .chart", "els => els.map(e => e.id)")
        missing = [i for i in ids if not self.page.query_selector(f"#{i} .main-svg")]
        return len(ids), missing


def test_every_page_renders_offline_without_error(browser, built, tmp_path):
    view = Page(browser, built.path)
    for page, _, _ in PAGES:
        view.show(page)
        count, missing = view.charts_drawn(page)
        assert count > 0 and missing == [], f"{page}: charts not drawn: {missing}"
        assert view.page.inner_text("#narrative").strip(), f"{page}: no narrative"
        view.page.screenshot(path=str(tmp_path / f"{page}.png"), full_page=True)
    assert view.errors == [] and view.failed == [] and view.left == []
    assert sorted(p.name for p in tmp_path.glob("*.png")) == sorted(f"{p}.png" for p, _, _ in PAGES)
    assert view.page.query_selector_all("#page-quality td.status-warned")


def test_headlines_follow_the_year_and_region_filters(browser, built):
    view = Page(browser, built.path)
    con = built.con()

    def expected(start: int, end: int) -> dict[str, str]:
        period = Period.parse(str(start), str(end))
        rate = run_analysis(con, "hospitalisation_rate", period).row(0, named=True)
        cons = run_analysis(con, "consultations_by_establishment", period)["denominator"][0]
        return {"seen": fmt_count(rate["denominator"], "fr"), "cons": fmt_count(cons, "fr")}

    assert {k: view.kpi(k) for k in ("seen", "cons")} == expected(2021, 2021)
    view.select("f-from", "2019")
    view.select("f-to", "2020")
    assert {k: view.kpi(k) for k in ("seen", "cons")} == expected(2019, 2020)
    whole = view.kpi("cons")
    view.select("f-region", "11")
    regional = view.kpi("cons")
    consultations = con.execute(
        "SELECT count(*) FROM fact_consultation f JOIN dim_etablissement e USING (etablissement_key) "
        "WHERE e.region_code = '11' AND f.year BETWEEN 2019 AND 2020").fetchone()[0]
    assert regional == fmt_count(consultations, "fr") and regional != whole
    view.page.click('[data-lang="en"]')
    view.wait("overview")
    assert view.kpi("cons") == fmt_count(consultations, "en")
    narrative = view.page.inner_text("#narrative")
    assert "saw" in narrative and fmt_count(consultations, "en") in narrative
    assert view.errors == [] and view.left == []


def test_an_establishment_selection_shows_its_own_figures(browser, built):
    view = Page(browser, built.path)
    index, series = next(iter(built.data["est"].items()))
    view.select("f-est", index)
    position = built.data["ranges"].index("2021-2021")
    assert view.kpi("cons") == fmt_count(series["c"][position], "fr")
    seen, hosp = series["s"][position], series["hd"][position]
    assert view.kpi("rate") == fmt_rate(None if seen is None or hosp is None else round(hosp / seen, 5), "fr")
    assert view.errors == []
