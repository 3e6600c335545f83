"""The HTML file: template, styles, plotly.js, the script and the gzipped JSON, all inlined.

plotly.js is the vendored ``static/plotly-cartesian.min.js`` (npm ``plotly.js-cartesian-dist-min``,
the same version plotly.py ships; see ``static/SOURCES.md``), not plotly.py's full bundle: the page
only draws scatter, bar and box traces, and the full bundle's 4.8 MB took most of the first page's
time to parse and run; the cartesian one is 1.5 MB.

The data travels as base64 of gzip (the browser's own ``DecompressionStream`` inflates it):
the narratives and repeated labels shrink about fivefold, which keeps the file well under
its 10 MB budget at scale 1. ``read_embedded`` gives a test the exact data the page reads.
"""

from __future__ import annotations

import base64
import gzip
import json
import re
from importlib import resources

from chu_platform.dashboard.figures import CHARTS, PAGES

_DATA = re.compile(r'<script id="chu-data" type="application/octet-stream">\s*([A-Za-z0-9+/=]+)\s*</script>')


PLOTLY_JS = "plotly-cartesian.min.js"
_PLOTLY_VERSION = re.compile(r"plotly\.js \(cartesian - minified\) v(\d+\.\d+\.\d+)")


def _static(name: str) -> str:
    return resources.files("chu_platform.dashboard").joinpath("static", name).read_text(encoding="utf-8")


def plotly_js_version() -> str:
    """The version of the inlined plotly.js, read from the bundle's own banner."""
    match = _PLOTLY_VERSION.search(_static(PLOTLY_JS)[:400])
    if match is None:
        raise ValueError(f"{PLOTLY_JS} has no plotly.js version banner")
    return match.group(1)


_MAPS = {"d-map", "s-map"}


def _chart(chart_id: str, wide: bool = False) -> str:
    """A chart's card: title, the scope its figures are of when that is not the selection's,
    the chart (or one line saying its cells are mostly withheld), a map's legend, how it is computed."""
    legend = ('<div class="map-legend"><span class="swatch nodata"></span><span data-ui="no_data"></span>'
              '<span class="swatch hatched"></span><span data-ui="withheld_cell"></span></div>') if chart_id in _MAPS else ""
    return (f'<div class="card{" wide" if wide else ""}" data-chart="{chart_id}"><h3></h3>'
            f'<p class="scope-note" hidden></p><div class="chart" id="{chart_id}"></div>'
            f'<p class="withheld-note" id="{chart_id}-withheld" hidden></p>{legend}<p class="how"></p></div>')


def _table(table_id: str, title_key: str) -> str:
    return f'<div class="card wide"><h3 data-ui="{title_key}"></h3><div class="tablebox" id="{table_id}"></div></div>'


_KPIS = ("seen", "cons", "hosp", "rate", "deaths", "sat")
_WIDE = {"c-month", "d-map", "s-quint", "q-rejects", "r-lat", "ov-trend", "fc-stays", "fc-cons"}


def _pages() -> str:
    sections = []
    for page, _, _ in PAGES:
        charts = [c[0] for c in CHARTS if c[1] == page]
        body = []
        if page == "overview":
            body.append('<div class="kpis">' + "".join(
                f'<div class="card kpi"><div class="label" data-kpi-label="{k}"></div><div class="value" data-kpi="{k}"></div>'
                f'<div class="delta" data-kpi-delta="{k}"></div><div class="scope" data-kpi-scope="{k}"></div>'
                f'<div class="chart spark" id="ov-spark-{k}"></div></div>' for k in _KPIS) + "</div>")
        if page == "quality":
            body.append('<div class="grid">' + _table("q-checks", "attention") + _table("q-families", "checked")
                        + _chart("q-rejects", True) + _table("q-fresh", "freshness") + "</div>")
        elif page == "latency":
            body.append('<div class="grid">' + _chart("r-lat", True) + _table("r-queries", "queries") + "</div>")
        elif charts:
            body.append('<div class="grid">' + "".join(_chart(c, c in _WIDE) for c in charts) + "</div>")
        sections.append(f'<section class="page" id="page-{page}" hidden>{"".join(body)}</section>')
    return "".join(sections)


def render(document: dict, title: str) -> str:
    """The whole page; ``document`` is the JSON the script reads (``build.document``)."""
    # Level 6, not gzip's default 9: scale 1's 26.5 MB of JSON in 0.32 s instead of 1.15 s, for
    # 2.32 MB instead of 2.19 MB (docs/benchmarks.md, "Session 10").
    data = base64.b64encode(gzip.compress(json.dumps(document, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
                                          .encode("utf-8"), compresslevel=6, mtime=0)).decode("ascii")
    nav = "".join(f'<a href="#{p}" data-nav="{p}"></a>' for p, _, _ in PAGES)
    return f"""<!DOCTYPE html>
<html lang="{document['meta']['lang']}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'unsafe-inline' 'unsafe-eval'; style-src 'unsafe-inline'; img-src data: blob:; font-src data:; connect-src blob: data:">
<title>{title}</title>
<style>{_static("dashboard.css")}</style>
</head>
<body>
<header>
  <div><h1>{title}</h1><div class="sub"><span data-ui="subtitle"></span> · <span id="generated"></span></div></div>
  <div class="filters">
    <label for="f-from" data-ui="from"></label><select id="f-from"></select>
    <label for="f-to" data-ui="to"></label><select id="f-to"></select>
    <label for="f-region" data-ui="region"></label><select id="f-region"></select>
    <label for="f-est" data-ui="est"></label><select id="f-est"></select>
    <span class="langs"><button type="button" data-lang="fr">FR</button><button type="button" data-lang="en">EN</button></span>
  </div>
</header>
<nav>{nav}</nav>
<main>
  <p id="narrative"></p>
  <p class="note" id="filters-note" data-ui="filters_note" hidden></p>
  {_pages()}
</main>
<footer id="legend"></footer>
<script>{_static(PLOTLY_JS)}</script>
<script id="chu-data" type="application/octet-stream">{data}</script>
<script>{_static("dashboard.js")}</script>
</body>
</html>
"""


def read_embedded(html: str) -> dict:
    """The JSON document a page embeds, as its script reads it."""
    match = _DATA.search(html)
    if match is None:
        raise ValueError("no embedded data in this file: not a CHU dashboard")
    return json.loads(gzip.decompress(base64.b64decode(match.group(1))))
