"""The documentation site builds in strict mode, and the data model report matches the code."""

import importlib.util
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from chu_platform.docs_gen.__main__ import DEFAULT_OUT, stale_pages
from chu_platform.docs_gen.catalogue import build_catalogue
from chu_platform.docs_gen.pages import render

ROOT = Path(__file__).resolve().parents[1]


def _require_mkdocs() -> None:
    if importlib.util.find_spec("mkdocs") is None or importlib.util.find_spec("material") is None:
        message = "mkdocs-material is not installed (uv sync installs the docs group)"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)


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
    for mart in catalogue.layer("marts"):
        if mart.key != "marts/warehouse":
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


def test_docs_build_in_strict_mode(tmp_path):
    _require_mkdocs()
    site = tmp_path / "site"
    result = _mkdocs_build(ROOT / "mkdocs.yml", site)
    assert result.returncode == 0, result.stderr[-4000:]
    index = (site / "index.html").read_text(encoding="utf-8")
    assert "CHU Platform" in index
    physical = (site / "data-model" / "physical.html").read_text(encoding="utf-8")
    assert "silver/patients" in physical
    conceptual = (site / "data-model" / "conceptual.html").read_text(encoding="utf-8")
    assert '<pre class="mermaid">' in conceptual


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
