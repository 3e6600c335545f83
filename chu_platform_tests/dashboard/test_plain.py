"""The quality page's words: plain, right plurals, whole days, every check of the platform
described without its code name."""

from chu_platform.dashboard import plain
from chu_platform.dashboard.narratives import quality_narrative
from chu_platform.dashboard.quality import check_specs
from chu_platform.definitions import defs


def test_ages_in_whole_days_and_plurals_per_language():
    assert [plain.age(d, "fr") for d in (0.0, 0.4, 1.2, 3.9)] == ["aujourd'hui", "aujourd'hui", "hier", "il y a 3 jours"]
    assert [plain.age(d, "en") for d in (0.0, 1.0, 2.5)] == ["today", "yesterday", "2 days ago"]
    assert [plain.plural(n, "avertissement", "avertissements", "fr") for n in (0, 1, 2)] == [
        "0 avertissement", "1 avertissement", "2 avertissements"]
    assert [plain.plural(n, "warning", "warnings", "en") for n in (0, 1, 2)] == ["0 warnings", "1 warning", "2 warnings"]


def test_every_check_of_the_platform_has_plain_words():
    keys = check_specs(defs.resolve_asset_graph())
    assert keys, "the platform has checks"
    for key in keys:
        kind, checked, means = plain.family(key.name)
        assert kind != "other", key
        for lang in ("fr", "en"):
            words = checked[lang] + means[lang] + plain.subject(key.asset_key.to_user_string())[lang]
            assert "_" not in words and "CHU_" not in words and "{" not in words, (key, words)


def test_the_quality_sentence_counts_and_ages_plainly():
    checks = [{"status": "passed"}] * 3 + [{"status": "warned"}]
    loads = [{"lines_read": 410, "rejects": 10}]
    fresh = [{"source": "deaths", "name": plain.source("deaths"), "age_days": 0.02}]
    fr = quality_narrative(checks, loads, fresh, "fr")
    assert fr.startswith("4 contrôles vérifient") and "3 réussis, 1 avertissement." in fr
    assert "Registre des décès (INSEE), aujourd'hui" in fr and "0,0" not in fr and "1 fichier," in fr
    en = quality_narrative(checks, loads, fresh, "en")
    assert "3 passed, 1 warning." in en and "Death register (INSEE), today" in en
