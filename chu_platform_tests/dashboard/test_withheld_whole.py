"""A breakdown withheld whole (a region of one establishment whose diagnoses no masking
protects under the total ``chu query`` shows) is drawn as one line saying so, in Chromium,
in both languages, with no console error."""

from datetime import UTC, datetime

from chu_platform.dashboard import build
from chu_platform_tests.dashboard.test_browser import Page, browser  # noqa: F401 (fixture)
from chu_platform_tests.secrecy.test_attack import _crafted


def test_a_breakdown_withheld_whole_says_so_in_one_line(browser, tmp_path):  # noqa: F811
    _, _, lake = _crafted(tmp_path, {1: "84", 2: "11", 3: "11", 4: "11", 5: "11"},
                          {(1, 1): 1, (1, 2): 1, (1, 3): 10, (2, 1): 30, (2, 2): 25, (3, 3): 11,
                           (4, 1): 3, (5, 2): 50, (5, 3): 22})
    doc = build.document(lake, None, {}, "fr", now=datetime(2026, 12, 5, tzinfo=UTC))
    assert doc["data"]["sel"]["2019-2019|r:84"]["dg"] is None
    view = Page(browser, build.write(tmp_path / "dashboard.html", doc))
    view.show("consultations")
    view.select("f-region", "84")
    assert "Répartition non publiée" in view.withheld_note("c-diag")
    assert view.page.query_selector("#c-diag .main-svg") is None or not view.page.is_visible("#c-diag .main-svg")
    view.language("en")
    assert "Breakdown not published" in view.withheld_note("c-diag")
    assert not view.errors, view.errors
    assert not view.left, view.left
