"""The inlined plotly.js is the vendored cartesian bundle, of the version plotly.py ships."""

import hashlib
import re
from importlib import resources

from plotly.offline import get_plotlyjs_version

from chu_platform.dashboard.page import PLOTLY_JS, plotly_js_version

STATIC = resources.files("chu_platform.dashboard").joinpath("static")


def test_the_vendored_plotly_js_is_the_version_plotly_py_ships():
    # Figures and options follow plotly.py's schema; a bundle of another major/minor may lack them.
    assert plotly_js_version().split(".")[:2] == get_plotlyjs_version().split(".")[:2]


def test_the_vendored_bundle_is_the_file_its_sources_name():
    sources = STATIC.joinpath("SOURCES.md").read_text(encoding="utf-8")
    digest = hashlib.sha256(STATIC.joinpath(PLOTLY_JS).read_bytes()).hexdigest()
    assert digest in sources
    assert f"plotly.js-cartesian-dist-min` {plotly_js_version()}" in sources
    assert "MIT License" in STATIC.joinpath("plotly-cartesian.LICENSE").read_text(encoding="utf-8")


def test_the_page_inlines_the_cartesian_bundle_and_nothing_else(built):
    assert f"plotly.js (cartesian - minified) v{plotly_js_version()}" in built.html
    assert len(re.findall(r"plotly\.js[^\n]{0,40}v\d+\.\d+\.\d+", built.html)) == 1
