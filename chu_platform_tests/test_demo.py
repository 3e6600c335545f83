"""`chu demo` says which defects it injected on purpose, in plain words, before `chu run` reports them."""

import json

from chu_platform.cli.demo import DEFECTS, defects_announcement
from chu_platform.generate import Rates


def test_every_injected_defect_is_announced_in_plain_words(tmp_path):
    kinds = ["duplicate", "late_declaration", "impossible_date", "wrong_field_count", "unknown_diagnosis"]
    files = [{"path": f"f{i}.csv", "defects": {kind: {"count": 10 * (i + 1), "lines": []}}} for i, kind in enumerate(kinds)]
    manifest = tmp_path / "generation-manifest.json"
    manifest.write_text(json.dumps({"files": files}))
    text = defects_announcement(manifest)
    assert "on purpose" in text
    for kind in kinds:
        assert DEFECTS[kind] in text
        assert f" {kind}\n" not in text + "\n"
    assert "hospitalisations_every_stay_placed" in text and "     30  " in text


def test_every_defect_rate_of_the_generator_has_plain_words():
    named = set(DEFECTS) | {"death_duplicate", "death_late"}
    assert set(Rates.__dataclass_fields__) <= named
