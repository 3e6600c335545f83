"""The documentation site builds in strict mode, and the data model report matches the code.
The built site loads no script from the network: Mermaid (the data model's diagrams) and the
offline search shim are vendored under docs/assets/javascripts/, and a headless Chromium with
every request but file:// refused draws the diagrams."""

import importlib.util
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from chu_platform.docs_gen.__main__ import DEFAULT_OUT, stale_pages
from chu_platform.docs_gen.catalogue import build_catalogue
from chu_platform.docs_gen.pages import render
from chu_platform_tests.conftest import missing

ROOT = Path(__file__).resolve().parents[1]


def _require_mkdocs() -> None:
    if importlib.util.find_spec("mkdocs") is None or importlib.util.find_spec("material") is None:
        missing("mkdocs-material is not installed (uv sync installs the docs group)")


@pytest.fixture(scope="module")
def catalogue():
    return build_catalogue()


@pytest.fixture(scope="module")
def pages(catalogue) -> dict[str, str]:
    return render(catalogue)


def test_data_model_pages_equal_what_the_code_generates(pages):
    stale = stale_pages(DEFAULT_OUT, pages)
    assert not stale, f"docs/data-model/{stale} differ from the code: run `make docs-model` and commit"


def test_a_schema_change_makes_the_committed_pages_stale(pages, tmp_path):
    for name, text in pages.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    assert stale_pages(tmp_path, pages) == []
    changed = {**pages, "physical.md": pages["physical.md"].replace("`annee_naissance`", "`birth_year`", 1)}
    assert changed["physical.md"] != pages["physical.md"]
    assert stale_pages(tmp_path, changed) == ["physical.md"]


def test_report_covers_every_silver_and_gold_table_and_every_analysis(catalogue, pages):
    modelled = [a for a in catalogue.assets.values() if a.layer in ("silver", "gold")]
    assert modelled
    for asset in modelled:
        assert f"### {asset.key}\n" in pages["physical.md"]
        assert asset.columns, f"{asset.key}: no columns found for the physical model"
    marts = [m for m in catalogue.layer("marts") if m.key != "marts/warehouse"]
    assert marts
    for mart in marts:
        assert f"`{mart.key}`" in pages["lineage.md"]
    # the star schema relates every fact to its dimensions, as the keys_in_dimensions checks do
    assert 'dim_patient ||--o{ fact_consultation : "patient_key"' in pages["conceptual.md"]
    assert 'dim_date ||--o{ fact_deces : "date_deces_key"' in pages["conceptual.md"]
    assert 'Patient ||--o{ Consultation : "Id_patient"' in pages["conceptual.md"]


def test_generator_is_not_imported_by_the_platform():
    package = ROOT / "chu_platform"
    importers = [
        str(path.relative_to(ROOT)) for path in package.rglob("*.py")
        if "docs_gen" not in path.parts and "docs_gen" in path.read_text(encoding="utf-8")
    ]
    assert importers == [], f"the platform must not import the documentation generator: {importers}"


def _mkdocs_build(config: Path, site: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--config-file", str(config), "--site-dir", str(site)],
        capture_output=True, text=True, cwd=config.parent, env={**os.environ, "NO_MKDOCS_2_WARNING": "1"},
    )


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    """The site as `make docs` builds it (strict), once for the tests that read it."""
    _require_mkdocs()
    site = tmp_path_factory.mktemp("docs") / "site"
    result = _mkdocs_build(ROOT / "mkdocs.yml", site)
    assert result.returncode == 0, result.stderr[-4000:]
    return site


def test_docs_build_in_strict_mode(site):
    index = (site / "index.html").read_text(encoding="utf-8")
    assert "CHU Platform" in index
    physical = (site / "data-model" / "physical.html").read_text(encoding="utf-8")
    assert "silver/patients" in physical
    conceptual = (site / "data-model" / "conceptual.html").read_text(encoding="utf-8")
    assert '<pre class="mermaid">' in conceptual


VENDORED = ROOT / "docs" / "assets" / "javascripts"
SCRIPT_SRC = re.compile(r"""<script\b[^>]*\bsrc\s*=\s*["']?([^"'\s>]+)""", re.IGNORECASE)
DIAGRAM_PAGES = ("conceptual.html", "lineage.html")


def test_no_page_loads_a_script_from_the_network(site):
    pages = sorted(site.rglob("*.html"))
    assert len(pages) > 20
    external = {
        f"{page.relative_to(site)}: {src}"
        for page in pages for src in SCRIPT_SRC.findall(page.read_text(encoding="utf-8"))
        if re.match(r"(https?:)?//", src, re.IGNORECASE)
    }
    assert not external, f"scripts fetched from the network, which hospital networks may not reach: {sorted(external)}"
    # Material fetches Mermaid from a CDN unless a global `mermaid` exists: the vendored IIFE build defines it
    vendored = (VENDORED / "mermaid.min.js").read_text(encoding="utf-8")
    assert 'globalThis["mermaid"]' in vendored[-2000:]
    assert (site / "assets" / "javascripts" / "mermaid.min.js").read_bytes() == (VENDORED / "mermaid.min.js").read_bytes()
    assert (site / "assets" / "javascripts" / "mermaid.LICENSE").is_file()
    assert not (site / "assets" / "javascripts" / "SOURCES.html").exists()
    for name in DIAGRAM_PAGES:
        html = (site / "data-model" / name).read_text(encoding="utf-8")
        assert '<pre class="mermaid">' in html
        assert "../assets/javascripts/mermaid.min.js" in SCRIPT_SRC.findall(html), name
    fonts = [str(page.relative_to(site)) for page in pages if "fonts.googleapis.com" in page.read_text(encoding="utf-8")]
    assert fonts == [], f"pages asking Google Fonts for the theme's font: {fonts[:3]}"


CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]
# Material puts each drawn diagram in a closed shadow root: open it so that the test can see the SVG.
OPEN_SHADOWS = """{
  const attach = Element.prototype.attachShadow;
  Element.prototype.attachShadow = function (init) { return attach.call(this, {...init, mode: "open"}); };
}"""
DRAWN = """expected => {
  const drawn = [...document.querySelectorAll("div.mermaid")]
    .filter(d => d.shadowRoot && d.shadowRoot.querySelector("svg g"));
  return document.querySelectorAll("pre.mermaid").length === 0 && drawn.length === expected;
}"""


def _files_only(left: list[tuple[str, str]]):
    """A route handler that lets file:// through and refuses, and records, everything else."""
    def route(route, request):
        if request.url.startswith("file:"):
            route.continue_()
        else:
            left.append((request.resource_type, request.url))
            route.abort()
    return route


def test_data_model_diagrams_render_offline_in_a_browser(site, tmp_path):
    _require_mkdocs()
    if not CHROMIUM.exists() or importlib.util.find_spec("playwright") is None:
        missing(f"{CHROMIUM} or playwright is missing: apt-get install -y chromium (.ci/run does)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        try:
            for name in DIAGRAM_PAGES:
                path = site / "data-model" / name
                expected = path.read_text(encoding="utf-8").count('<pre class="mermaid">')
                page = browser.new_page(viewport={"width": 1400, "height": 1000})
                left: list[tuple[str, str]] = []
                errors: list[str] = []
                console: list[str] = []

                page.on("console", lambda m, console=console: console.append(m.text) if m.type == "error" else None)
                page.route("**/*", _files_only(left))
                page.on("pageerror", lambda e, errors=errors: errors.append(str(e)))
                page.add_init_script(OPEN_SHADOWS)
                page.goto(path.as_uri())
                page.wait_for_function(DRAWN, arg=expected, timeout=15_000)
                page.screenshot(path=str(tmp_path / f"{path.stem}.png"), full_page=True)
                assert not errors, f"{name}: {errors}"
                # nothing may be asked for outside the site: no script, no font (theme.font: false)
                assert left == [], name
                assert console == [], f"{name}: {console}"
                svg = page.evaluate("document.querySelector('div.mermaid').shadowRoot.querySelector('svg').outerHTML")
                assert "Syntax error" not in svg, name
                page.close()
        finally:
            browser.close()


def test_a_broken_link_fails_the_build(tmp_path):
    _require_mkdocs()
    shutil.copytree(ROOT / "docs", tmp_path / "docs")
    shutil.copy(ROOT / "mkdocs.yml", tmp_path / "mkdocs.yml")
    with (tmp_path / "docs" / "layers.md").open("a", encoding="utf-8") as page:
        page.write("\nSee [the missing page](no-such-page.md) and [an anchor](sources.md#no-such-anchor).\n")
    result = _mkdocs_build(tmp_path / "mkdocs.yml", tmp_path / "site")
    assert result.returncode != 0
    assert "no-such-page.md" in result.stderr
    assert "no-such-anchor" in result.stderr
