"""The short keys the page embeds are a contract between ``dashboard/payload.py`` and
``static/dashboard.js``: every key emitted is listed (``SELECTION_KEYS``, ``ESTABLISHMENT_KEYS``),
every listed key is read by the script and documented in docs/dashboard.md."""

import re
from pathlib import Path

from chu_platform.dashboard import payload

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = (ROOT / "chu_platform" / "dashboard" / "static" / "dashboard.js").read_text(encoding="utf-8")
DOCS = (ROOT / "docs" / "dashboard.md").read_text(encoding="utf-8")


def test_every_key_emitted_is_in_the_contract(built):
    data = built.doc["data"]
    selections = list(data["sel"].values())
    establishments = list(data["est"].values())
    assert selections and establishments
    emitted = set().union(*(s.keys() for s in selections))
    assert emitted <= set(payload.SELECTION_KEYS), emitted - set(payload.SELECTION_KEYS)
    assert set(payload.SELECTION_KEYS) - {"mo"} <= emitted
    emitted_est = set().union(*(e.keys() for e in establishments))
    assert emitted_est <= set(payload.ESTABLISHMENT_KEYS), emitted_est - set(payload.ESTABLISHMENT_KEYS)


def test_every_key_in_the_contract_is_read_by_the_page_and_documented():
    keys = set(payload.SELECTION_KEYS) | set(payload.ESTABLISHMENT_KEYS)
    assert keys
    for key in keys:
        read = re.search(rf"(\.{key}\b|[\"']{key}[\"'])", SCRIPT)
        assert read, f"dashboard.js never reads '{key}'"
        assert f"`{key}`" in DOCS, f"docs/dashboard.md does not list '{key}'"
