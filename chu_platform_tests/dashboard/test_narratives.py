"""Sentences quote the same numbers as the charts: every number in a narrative is one of the
selection's embedded figures, formatted as the page formats it."""

import re

from chu_platform.dashboard import narratives
from chu_platform.dashboard.narratives import fmt_change, fmt_count, fmt_rate, fmt_score

NUMBER = re.compile(r"<10|[−+]?\d[\d\u202f,.]*\s?%?")


def allowed(data: dict, span: str, scope: str, lang: str) -> set[str]:
    sel = data["sel"][f"{span}|{scope}"]
    values: set[str] = set()
    counts = [sel["c"], sel["h"], sel["s"], sel["hd"]]
    rates = [sel["r"], 0.0]
    for field in ("est", "dg", "sp", "hdg"):
        counts += [r[1] for r in sel[field]]
        rates += [r[2] for r in sel[field]]
    rates += [r[4] for r in sel["pyr"]]
    deaths = data["deaths"][span]
    total = deaths.get("", 0)
    counts += [total, *deaths.values()]
    rates += [n / total for n in deaths.values() if n is not None and total]
    sat = data["sat"][span]
    values |= {fmt_score(v[0], lang) for v in sat.values()} | {fmt_count(v[1], lang) for v in sat.values()}
    values |= {str(v[2]) for v in sat.values()}
    end = int(span.split("-")[1])
    if f"{end - 1}-{end - 1}|{scope}" in data["sel"]:
        old, new = data["sel"][f"{end - 1}-{end - 1}|{scope}"]["c"], data["sel"][f"{end}-{end}|{scope}"]["c"]
        counts += [old, new]
        values.add(fmt_change(new, old, lang))
    values |= {fmt_count(n, lang) for n in counts} | {fmt_rate(r, lang) for r in rates}
    # "moins de 10" / "fewer than 10": the threshold a withheld count is below, not a figure
    values |= {str(y) for y in data["years"]} | {"100", "0-17", "18-39", "40-64", "65-79", "80", "10"}
    return values


def test_every_number_of_every_sentence_is_an_embedded_figure(built):
    data, texts = built.data, built.doc["narr"]
    names = [r[1] for r in data["labels"]["est"]] + [d[1] for d in data["labels"]["diag"]]
    names += data["labels"]["spec"] + [n for _, n in data["regions"]]
    names = sorted(set(names), key=len, reverse=True)
    checked = 0
    for lang in narratives.LANGS:
        for key, pages in texts[lang].items():
            span, scope = key.split("|")
            ok = allowed(data, span, scope, lang)
            for page, sentence in pages.items():
                for name in names:
                    sentence = sentence.replace(name, "")
                cleaned = re.sub(r"\b(\d{2}-\d{2}|80\+|\d+/100)", lambda m: m.group(0).split("/")[0], sentence)
                for number in NUMBER.findall(cleaned):
                    number = number.strip().rstrip(".,")
                    assert number in ok, (lang, key, page, number, sentence)
                    checked += 1
    assert checked > 500


def test_the_overview_quotes_the_headlines(built):
    sel = built.data["sel"]["2021-2021|all"]
    fr = built.doc["narr"]["fr"]["2021-2021|all"]["overview"]
    en = built.doc["narr"]["en"]["2021-2021|all"]["overview"]
    assert f"{fmt_count(sel['s'], 'fr')} patients" in fr and f"{fmt_count(sel['c'], 'fr')} consultations" in fr
    assert f"saw {fmt_count(sel['s'], 'en')} patients" in en and fmt_rate(sel["r"], "en") in en
