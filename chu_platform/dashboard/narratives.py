"""Sentences generated from the embedded figures, in French and English.

Every number a sentence quotes is formatted from the same masked payload the charts draw
(``fmt_count``, ``fmt_rate``, mirrored by the page's script), so a sentence and its chart
always agree, and a withheld figure reads as its label ("<10" or "s", ``secrecy.label``) in both.
"""

from __future__ import annotations

from collections.abc import Callable

from chu_platform.dashboard.payload import OTHERS, UNKNOWN
from chu_platform.dashboard.secrecy import MASK, withheld

LANGS = ("fr", "en")
THIN = "\u202f"
WITHHELD_WORDS = {"fr": {"<10": "moins de 10", "s": "s (secret)"}, "en": {"<10": "fewer than 10", "s": "s (secret)"}}

SEX = {"fr": {"F": "femmes", "M": "hommes"}, "en": {"F": "women", "M": "men"}}
UNKNOWN_EST = {"fr": "établissement inconnu", "en": "unknown establishment"}


def shown(value) -> bool:
    return value is not None and not withheld(value)


def fmt_count(n: int | str | None, lang: str) -> str:
    if withheld(n):
        return n
    if n is None:
        return MASK
    text = f"{n:,}"
    return text.replace(",", THIN) if lang == "fr" else text


def fmt_rate(r: float | None, lang: str) -> str:
    """A share as a percentage with one decimal (French: comma and a thin space before %)."""
    if withheld(r):
        return r
    if r is None:
        return MASK
    text = f"{100 * r:.1f}"
    return text.replace(".", ",") + f"{THIN}%" if lang == "fr" else f"{text}%"


def fmt_score(s: float | str | None, lang: str) -> str:
    if withheld(s):
        return s
    if s is None:
        return MASK
    text = f"{s:.1f}"
    return text.replace(".", ",") if lang == "fr" else text


def fmt_change(new: int | str | None, old: int | str | None, lang: str) -> str | None:
    if not shown(new) or not shown(old) or old == 0:
        return None
    change = (new - old) / old
    sign = "+" if change >= 0 else "−"
    text = f"{abs(100 * change):.1f}"
    return sign + (text.replace(".", ",") + f"{THIN}%" if lang == "fr" else f"{text}%")


def period(start: int, end: int, lang: str) -> str:
    if start == end:
        return f"en {start}" if lang == "fr" else f"in {start}"
    return f"de {start} à {end}" if lang == "fr" else f"from {start} to {end}"


class Writer:
    """The sentences of one selection in one language."""

    def __init__(self, payload: dict, lang: str):
        self.p, self.lang = payload, lang
        self.region_names = dict(payload["regions"])

    def count(self, n):
        """A count in a sentence: a withheld one in words ("moins de 10", "s (secret)")."""
        if withheld(n):
            return WITHHELD_WORDS[self.lang].get(n, n)
        return fmt_count(n, self.lang)

    def rate(self, r):
        return fmt_rate(r, self.lang)

    def t(self, fr: str, en: str) -> str:
        return fr if self.lang == "fr" else en

    def scope_name(self, scope: str) -> str:
        if scope == "all":
            return self.t("le groupe", "the group")
        return self.region_names.get(scope[2:], scope[2:])

    def member(self, kind: str, index: int) -> str:
        labels = self.p["labels"]
        if index == UNKNOWN:
            return UNKNOWN_EST[self.lang]
        if kind == "est":
            return labels["est"][index][1]
        if kind == "sp":
            return labels["spec"][index]
        return labels["diag"][index][1]

    def first(self, rows: list[list] | None, kind: str) -> tuple[str, str] | None:
        listed = [r for r in rows or [] if r[0] != OTHERS and shown(r[1])]
        return (self.member(kind, listed[0][0]), self.rate(listed[0][2])) if listed else None

    def previous(self, end: int, scope: str, field: str):
        years = self.p["years"]
        if end - 1 not in years:
            return None
        return self.p["sel"][f"{end - 1}-{end - 1}|{scope}"][field], self.p["sel"][f"{end}-{end}|{scope}"][field]

    def overview(self, start: int, end: int, scope: str, sel: dict) -> str:
        when = period(start, end, self.lang)
        text = self.t(
            f"{when.capitalize()}, {self.scope_name(scope)} a vu {self.count(sel['s'])} patients, pour "
            f"{self.count(sel['c'])} consultations et {self.count(sel['h'])} hospitalisations ; "
            + (f"{self.rate(sel['r'])} des patients vus ont été hospitalisés." if shown(sel["r"])
               else "leur taux d'hospitalisation est masqué (secret statistique)."),
            f"{when.capitalize()}, {self.scope_name(scope)} saw {self.count(sel['s'])} patients, with "
            f"{self.count(sel['c'])} consultations and {self.count(sel['h'])} hospitalisations; "
            + (f"{self.rate(sel['r'])} of the patients seen were hospitalised." if shown(sel["r"])
               else "their hospitalisation rate is withheld (statistical secrecy)."),
        )
        prev = self.previous(end, scope, "c")
        if prev is not None:
            change = fmt_change(prev[1], prev[0], self.lang)
            if change is not None:
                text += " " + self.t(
                    f"Les consultations de {end} évoluent de {change} par rapport à {end - 1} "
                    f"({self.count(prev[1])} contre {self.count(prev[0])}).",
                    f"Consultations in {end} changed by {change} from {end - 1} "
                    f"({self.count(prev[1])} against {self.count(prev[0])}).")
        return text

    def consultations(self, start: int, end: int, scope: str, sel: dict) -> str:
        parts = []
        for kind, fr, en in (("est", "L'établissement le plus consulté est {0} ({1} des consultations).",
                              "The most consulted establishment is {0} ({1} of consultations)."),
                             ("dg", "Le premier diagnostic est « {0} » ({1}).", "The leading diagnosis is “{0}” ({1})."),
                             ("sp", "La première spécialité est {0} ({1}).", "The leading specialty is {0} ({1}).")):
            top = self.first(sel[kind], kind)
            if top is not None:
                parts.append(self.t(fr, en).format(*top))
        return " ".join(parts) or self.t("Aucune consultation publiable sur cette sélection.",
                                         "No publishable consultation in this selection.")

    def hospitalisations(self, start: int, end: int, scope: str, sel: dict) -> str:
        if shown(sel["r"]):
            text = self.t(
                f"Le taux global d'hospitalisation est de {self.rate(sel['r'])} : {self.count(sel['hd'])} patients "
                f"hospitalisés sur {self.count(sel['s'])} vus.",
                f"The global hospitalisation rate is {self.rate(sel['r'])}: {self.count(sel['hd'])} patients "
                f"hospitalised out of {self.count(sel['s'])} seen.")
        else:
            text = self.t(
                f"Le taux global d'hospitalisation de cette sélection est masqué (secret statistique) ; "
                f"patients vus : {self.count(sel['s'])}.",
                f"The global hospitalisation rate of this selection is withheld (statistical secrecy); "
                f"patients seen: {self.count(sel['s'])}.")
        top = self.first(sel["hdg"], "hdg")
        if top is not None:
            text += " " + self.t("Le diagnostic le plus fréquent des séjours est « {0} » ({1}).",
                                 "The most frequent diagnosis of stays is “{0}” ({1}).").format(*top)
        groups = [r for r in sel["pyr"] if r[0] in ("F", "M") and r[1] != "all" and shown(r[4])]
        if groups:
            sexe, band, _, _, rate = max(groups, key=lambda r: (r[4], r[0], r[1]))
            text += " " + self.t(
                f"Le taux le plus élevé est celui des {SEX['fr'][sexe]} de {band} ans ({self.rate(rate)}).",
                f"The highest rate is among {SEX['en'][sexe]} aged {band} ({self.rate(rate)}).")
        return text

    def deaths(self, start: int, end: int, scope: str, sel: dict) -> str:
        deaths = self.p["deaths"][f"{start}-{end}"]
        total = deaths.get("", 0)
        when = period(start, end, self.lang)
        if scope != "all":
            n = deaths.get(scope[2:], 0)
            share = n if withheld(n) else total if withheld(total) else None if not total else n / total
            return self.t(
                f"{when.capitalize()}, {self.count(n)} décès ont eu lieu en {self.scope_name(scope)}, "
                f"soit {self.rate(share)} des {self.count(total)} décès enregistrés.",
                f"{when.capitalize()}, {self.count(n)} deaths took place in {self.scope_name(scope)}, "
                f"{self.rate(share)} of the {self.count(total)} deaths registered.")
        regions = [(c, n) for c, n in deaths.items() if c not in ("", "abroad", "unknown") and shown(n)]
        text = self.t(f"{when.capitalize()}, {self.count(total)} décès ont été enregistrés.",
                      f"{when.capitalize()}, {self.count(total)} deaths were registered.")
        if regions and shown(total) and total:
            code, n = max(regions, key=lambda r: (r[1], r[0]))
            text += " " + self.t(
                f"La région qui en compte le plus est {self.region_names.get(code, code)} ({self.count(n)}, {self.rate(n / total)}).",
                f"The region with the most is {self.region_names.get(code, code)} ({self.count(n)}, {self.rate(n / total)}).")
        return text

    def satisfaction(self, start: int, end: int, scope: str, sel: dict) -> str:
        sat = self.p["sat"][f"{start}-{end}"]
        nation = sat.get("all")
        if nation is None:
            return self.t("Aucun résultat e-Satis sur cette période.", "No e-Satis result for this period.")
        score = lambda s: fmt_score(s, self.lang)  # noqa: E731
        if scope != "all":
            own = sat.get(scope[2:])
            if own is None or not shown(own[0]):
                return self.t(f"Pas de score publiable pour {self.scope_name(scope)} sur cette période.",
                              f"No publishable score for {self.scope_name(scope)} in this period.")
            above = own[0] >= nation[0] if shown(nation[0]) else True
            return self.t(
                f"{self.scope_name(scope)} obtient {score(own[0])}/100 ({self.count(own[1])} réponses, {own[2]} établissements), "
                f"{'au-dessus' if above else 'en dessous'} de la moyenne nationale ({score(nation[0])}).",
                f"{self.scope_name(scope)} scores {score(own[0])}/100 ({self.count(own[1])} answers, {own[2]} establishments), "
                f"{'above' if above else 'below'} the national mean ({score(nation[0])}).")
        text = self.t(
            f"Le score moyen pondéré par les réponses est de {score(nation[0])}/100 ({self.count(nation[1])} réponses, "
            f"{nation[2]} établissements).",
            f"The answer-weighted mean score is {score(nation[0])}/100 ({self.count(nation[1])} answers, "
            f"{nation[2]} establishments).")
        ranked = sorted(((v[0], c) for c, v in sat.items() if c not in ("all", "abroad", "unknown") and shown(v[0])),
                        reverse=True)
        if len(ranked) >= 2:
            (best, b), (worst, w) = ranked[0], ranked[-1]
            text += " " + self.t(
                f"La région la mieux notée est {self.region_names.get(b, b)} ({score(best)}), la moins bien notée "
                f"{self.region_names.get(w, w)} ({score(worst)}).",
                f"The best-rated region is {self.region_names.get(b, b)} ({score(best)}), the lowest "
                f"{self.region_names.get(w, w)} ({score(worst)}).")
        return text


PAGES: dict[str, Callable] = {
    "overview": Writer.overview,
    "consultations": Writer.consultations,
    "hospitalisations": Writer.hospitalisations,
    "deaths": Writer.deaths,
    "satisfaction": Writer.satisfaction,
}


def selection_narratives(payload: dict) -> dict[str, dict[str, dict[str, str]]]:
    """``{lang: {"<from>-<to>|<scope>": {page: text}}}`` for every precomputed selection."""
    out: dict[str, dict[str, dict[str, str]]] = {}
    for lang in LANGS:
        writer = Writer(payload, lang)
        texts = {}
        for key, sel in payload["sel"].items():
            span, scope = key.split("|")
            start, end = (int(y) for y in span.split("-"))
            texts[key] = {page: method(writer, start, end, scope, sel) for page, method in PAGES.items()}
        out[lang] = texts
    return out


def quality_narrative(checks: list[dict], loads: list[dict], fresh: list[dict], lang: str) -> str:
    """What was checked, what failed and what to do, in plain words and right plurals."""
    from chu_platform.dashboard.plain import age, plural

    fr = lang == "fr"
    counts = {s: sum(1 for c in checks if c["status"] == s) for s in ("passed", "warned", "failed", "not run")}
    lines = sum(r["lines_read"] for r in loads)
    rejects = sum(r["rejects"] for r in loads)
    parts = [
        f"{plural(len(checks), 'contrôle', 'contrôles', lang)} vérifient les données à chaque chargement : "
        f"{plural(counts['passed'], 'réussi', 'réussis', lang)}"
        if fr else
        f"{plural(len(checks), 'check', 'checks', lang)} verify the data at every load: {counts['passed']} passed"
    ]
    if counts["warned"]:
        parts.append(plural(counts["warned"], "avertissement", "avertissements", lang) if fr
                     else plural(counts["warned"], "warning", "warnings", lang))
    if counts["failed"]:
        parts.append(plural(counts["failed"], "échec", "échecs", lang) if fr else f"{counts['failed']} failed")
    if counts["not run"]:
        parts.append(f"{counts['not run']} pas encore exécuté{'s' if counts['not run'] > 1 else ''}" if fr
                     else f"{counts['not run']} not run yet")
    text = ", ".join(parts) + "."
    if counts["warned"] or counts["failed"]:
        text += (" Le tableau ci-dessous dit, pour chacun, ce qui ne va pas et ce que cela veut dire." if fr
                 else " The table below says, for each, what is wrong and what it means.")
    if loads:
        text += (f" Sur {fmt_count(lines, lang)} lignes reçues dans {plural(len(loads), 'fichier', 'fichiers', lang)}, "
                 f"{fmt_count(rejects, lang)} {'ont été mises' if rejects > 1 else 'a été mise'} de côté car illisibles."
                 if fr else
                 f" Of {fmt_count(lines, lang)} lines received in {plural(len(loads), 'file', 'files', lang)}, "
                 f"{fmt_count(rejects, lang)} {'were' if rejects != 1 else 'was'} set aside as unreadable.")
    if fresh:
        oldest = max(fresh, key=lambda r: r["age_days"])
        text += (f" Source la moins récemment livrée : {oldest['name']['fr']}, {age(oldest['age_days'], 'fr')}."
                 if fr else
                 f" Least recently delivered source: {oldest['name']['en']}, {age(oldest['age_days'], 'en')}.")
    return text


def latency_narrative(latency: dict, lang: str) -> str:
    """The latest measured response times against the others' on the same questions."""
    fr = lang == "fr"
    history = latency["history"]
    if not history:
        return ("Aucune mesure des temps de réponse n'est encore enregistrée : elle est faite par `chu demo` "
                "et à chaque mesure demandée par l'exploitation (actif ops/query_benchmark)."
                if fr else "No response time has been measured yet: `chu demo` records one, and operations "
                "record more on demand (asset ops/query_benchmark).")
    last = history[-1]["run_at"]
    served = [r for r in history if r["run_at"] == last and r.get("layout_id") == "served"] or \
        [r for r in history if r["run_at"] == last]
    slowest = max(served, key=lambda r: r["p50_ms"])
    name = next((q["label"][lang] for q in latency["queries"] if q["name"] == slowest["query"]), slowest["query"])
    ms = fmt_score(slowest["p50_ms"], lang)
    return (f"Mesure du {last} (heure de Paris) : chacune des {len(served)} analyses répond en {ms} ms au plus "
            f"(médiane ; la plus lente : {name}), sur les données de cette plateforme. "
            "Ci-dessous, les temps d'autres moteurs sur les mêmes questions, mesurés sur 1 million de consultations."
            if fr else
            f"Measured on {last} (Paris time): each of the {len(served)} analyses answers in {ms} ms at most "
            f"(median; the slowest: {name}), on this platform's data. "
            "Below, other engines' times on the same questions, measured on 1 million consultations.")
