"""The peers' response times the dashboard shows are docs/benchmarks.md's, to the figure."""

from chu_platform.dashboard.peers import PEERS, QUERIES
from chu_platform.deploy.settings import project_root

COLUMNS = ("cons. by establishment", "cons. by diagnosis", "hosp. rate", "hosp. by diagnosis", "hosp. by sex/age",
           "cons. by professional", "deaths by region", "satisfaction by region")


def test_the_peers_figures_are_the_documented_ones():
    text = (project_root() / "docs" / "benchmarks.md").read_text(encoding="utf-8")
    section = text.split("### Peers\n", 1)[1].split("\n### ", 1)[0]
    rows = [line.strip().strip("|").split("|") for line in section.splitlines() if line.startswith("| ")]
    header = [c.strip() for c in rows[0]]
    documented = {cells[0].strip(): [cells[header.index(c)].strip() for c in COLUMNS] for cells in rows[1:]}
    assert PEERS["engines"], "the dashboard shows peers"
    for engine in PEERS["engines"]:
        shown = [f"{engine['p50_ms'][q]:,.1f}" for q in QUERIES]
        assert documented[engine["label"]] == shown, engine["label"]
