/* CHU Platform dashboard: draws the embedded, already masked figures of the selection.
   Nothing is computed from withheld cells here: every selection was precomputed in Python,
   and a withheld cell arrives as its label ("<10" or "s"), which the page draws as a cell. */
"use strict";

const THIN = "\u202f";
const COLORS = { main: "#1f4e79", accent: "#c0504d", light: "#9dc3e6", grey: "#a6a6a6", green: "#548235",
  withheld: "#d9d9d9", withheldLine: "#7f7f7f", nodata: "#f2f2f2" };
const HATCH = { shape: "/", fgcolor: COLORS.withheldLine, bgcolor: COLORS.withheld, size: 6, solidity: 0.25 };
const UI = {
  fr: {
    from: "De", to: "à", region: "Région", est: "Établissement", all_regions: "Toutes les régions",
    all_est: "Tous les établissements", seen: "Patients vus", cons: "Consultations", hosp: "Hospitalisations",
    rate: "Taux d'hospitalisation", deaths: "Décès", sat: "Satisfaction moyenne", others: "Autres",
    unknown_est: "Établissement inconnu", women: "Femmes", men: "Hommes",
    generated: "Généré le", paris: "heure de Paris", status: "Résultat", subject: "Données", checked_what: "Ce qui est vérifié",
    means: "Ce que cela veut dire", when: "Dernière exécution (heure de Paris)", source: "Source", files: "Fichiers",
    latest: "Dernière livraison", age: "Ancienneté", latest_year: "Dernière année reçue",
    queries: "Temps de réponse médians (millisecondes)", query: "Analyse", nation: "France",
    choose_est: "Choisissez un établissement pour le situer",
    statuses: { passed: "réussi", warned: "avertissement", failed: "échec", "not run": "pas encore exécuté" },
    score: "Score", year: "Année", file: "Fichier", rejects: "Lignes mises de côté", lines_read: "Lignes reçues",
    attention: "Ce qui demande attention", checked: "Ce qui est vérifié à chaque chargement",
    freshness: "Fraîcheur des sources", nothing_wrong: "Aucun contrôle en avertissement ni en échec.",
    checks_count: "Contrôles", passed_count: "Réussis",
    filters_note: "Les filtres ne s'appliquent pas à cette page.", subtitle: "Tableau de bord des décideurs",
    no_data: "pas de données", withheld_cell: "masqué (<10 ou s : secret statistique)",
    withheld_hover: "valeur masquée (secret statistique)",
    mostly: (n, total) => `${n} valeurs sur ${total} de ce graphique sont masquées (secret statistique) : il n'est pas dessiné. Élargissez la période ou le périmètre.`,
    whole: "Répartition non publiée (secret statistique) : dans ce périmètre, aucune valeur ne pourrait être montrée sans permettre d'en retrouver une autre de 1 à 9. Élargissez le périmètre.",
    scope_group: "Groupe", scope_region: (r) => `Région ${r}`, scope_est: "Établissement",
    scope_fallback: (r) => `Chiffre de la région ${r} : pas de détail par établissement`,
    card_fallback: (r) => `Établissement choisi : chiffres de sa région (${r}), faute de détail publiable par établissement.`,
    card_est: "Chiffres de l'établissement choisi.",
    card_highlight: (r) => `Établissements de sa région (${r}) ; l'établissement choisi en rouge.`,
    vs: (y) => `par rapport à ${y}`, points: "pt",
    our_data: "Cette plateforme, ses données", no_history: "Pas encore de mesure sur cette plateforme (chu demo en fait une).",
    peers_source: "Autres moteurs : documentation, « Benchmarks », section « Peers » (1 million de consultations, médiane de 5 exécutions).",
    quintile: (q) => (q === 1 ? "1er quintile" : `${q}e quintile`),
    est_position: (name, y, s, qr, qn) => `En ${y}, ${name} obtient ${s}/100 : ${qr ? `${qr} de sa région, ` : ""}${qn} de la France (1er : les 20 % les moins bien notés, 5e : les 20 % les mieux notés).`,
    est_overview: (name, y, c, h, r, prev) => `En ${y}, ${name} a reçu ${c} consultations et ${h} hospitalisations ; ${r === null ? "son taux d'hospitalisation est masqué (secret statistique)." : `${r} de ses patients vus ont été hospitalisés.`}${prev}`,
    est_prev: (y, change) => ` Ses consultations évoluent de ${change} par rapport à ${y}.`,
    est_cons: (name, c, share) => `${name} : ${c} consultations sur la période${share === null ? "" : `, soit ${share} des consultations de sa région`}. Diagnostics, spécialités et mois : chiffres de la région.`,
    est_hosp: (name, r, hd, s) => `${name} : ${r === null ? "taux d'hospitalisation masqué (secret statistique)" : `taux d'hospitalisation de ${r}`} sur la période (${hd} patients hospitalisés sur ${s} vus). Diagnostics, sexe et âge : chiffres de la région.`,
    words: { "<10": "moins de 10", s: "s (secret)" },
    est_deaths: (r) => `Les décès sont comptés au lieu du décès, par région : voici ceux de la région de l'établissement (${r}).`,
    est_sat: (name, s, y) => `${name} : score e-Satis moyen ${s}/100 sur la période${y}.`,
    est_sat_none: (name) => `${name} : pas de score e-Satis publiable sur cette période.`,
    withheld_count: "masqué", in_others: "inclus dans Autres",
    mean_days: "Moyenne", median_days: "Médiane", p90_days: "90e centile", days: "jours",
    readm_rate: "Taux de réhospitalisation", mean_census: "Moyenne par nuit", peak_census: "Pic",
    p95_census: "95e centile (seuil)", per_cons: "Prescriptions par consultation", history: "Historique",
    forecast: "Prévision", band80: "Intervalle à 80 %", band95: "Intervalle à 95 %",
    model: "Modèle", naive: "Même mois l'an dernier", group_series: "Groupe",
    not_built: "Indicateur pas encore calculé (chu run le calcule).",
    act_group: "Chiffres du groupe : les indicateurs de séjour n'ont pas de détail par région.",
    act_est_missing: "Pas de chiffre pour cet établissement : chiffres du groupe.",
    act_region_bars: (r) => `Établissements de la région ${r}.`,
    nights: "nuits", stays_word: "Séjours", chapter: "Chapitre", unknown_chapter: "Chapitre inconnu",
    stays_narr: (y, who, los, rate, sat) => `En ${y}, ${who} : ${los} ; ${rate === null ? "taux de réhospitalisation à 30 jours masqué (secret statistique)" : `${rate} des séjours suivis d'une réhospitalisation dans les 30 jours`} ; ${sat === null ? "nuits de saturation masquées (secret statistique)" : `${sat} nuits au-dessus du 95e centile des patients présents`}.`,
    los_shown: (mean, med, p90) => `séjours de ${mean} jours en moyenne (médiane ${med}, 90e centile ${p90})`,
    los_hidden: "durée de séjour masquée (secret statistique)",
    fc_narr: (who, month, value, lo, hi, mase, naive, better) => `${who} : ${value} séjours prévus pour ${month} (intervalle à 80 % : ${lo} à ${hi}).${mase === null ? "" : ` Sur les 24 derniers mois, l'erreur du modèle (MASE ${mase}) est ${better ? "inférieure ou égale" : "supérieure"} à celle de « même mois l'an dernier » (${naive}).`}`,
    the_group: "le groupe", coverage: (a, b) => `couverture 80 % : ${a}, 95 % : ${b}`,
  },
  en: {
    from: "From", to: "to", region: "Region", est: "Establishment", all_regions: "All regions",
    all_est: "All establishments", seen: "Patients seen", cons: "Consultations", hosp: "Hospitalisations",
    rate: "Hospitalisation rate", deaths: "Deaths", sat: "Mean satisfaction", others: "Others",
    unknown_est: "Unknown establishment", women: "Women", men: "Men",
    generated: "Generated on", paris: "Paris time", status: "Result", subject: "Data", checked_what: "What is checked",
    means: "What it means", when: "Last run (Paris time)", source: "Source", files: "Files",
    latest: "Latest delivery", age: "Age", latest_year: "Latest year received",
    queries: "Median response times (milliseconds)", query: "Analysis", nation: "France",
    choose_est: "Choose an establishment to place it",
    statuses: { passed: "passed", warned: "warning", failed: "failed", "not run": "not run yet" },
    score: "Score", year: "Year", file: "File", rejects: "Lines set aside", lines_read: "Lines received",
    attention: "What needs attention", checked: "What is checked at every load",
    freshness: "Source freshness", nothing_wrong: "No check warned or failed.",
    checks_count: "Checks", passed_count: "Passed",
    filters_note: "Filters do not apply to this page.", subtitle: "Decision-makers' dashboard",
    no_data: "no data", withheld_cell: "withheld (<10 or s: statistical secrecy)",
    withheld_hover: "value withheld (statistical secrecy)",
    mostly: (n, total) => `${n} of the ${total} values of this chart are withheld (statistical secrecy): it is not drawn. Widen the period or the scope.`,
    whole: "Breakdown not published (statistical secrecy): in this scope, no value could be shown without letting another one from 1 to 9 be recovered. Widen the scope.",
    scope_group: "Group", scope_region: (r) => `Region ${r}`, scope_est: "Establishment",
    scope_fallback: (r) => `Figure of the region ${r}: no breakdown per establishment`,
    card_fallback: (r) => `Establishment chosen: figures of its region (${r}), for lack of a publishable breakdown per establishment.`,
    card_est: "Figures of the chosen establishment.",
    card_highlight: (r) => `Establishments of its region (${r}); the chosen one in red.`,
    vs: (y) => `against ${y}`, points: "pt",
    our_data: "This platform, its data", no_history: "No measurement on this platform yet (chu demo records one).",
    peers_source: "Other engines: documentation, \"Benchmarks\", section \"Peers\" (1 million consultations, median of 5 runs).",
    quintile: (q) => `${q}${q === 1 ? "st" : q === 2 ? "nd" : q === 3 ? "rd" : "th"} quintile`,
    est_position: (name, y, s, qr, qn) => `In ${y}, ${name} scores ${s}/100: ${qr ? `${qr} of its region, ` : ""}${qn} of France (1st: the lowest-rated 20%, 5th: the highest-rated 20%).`,
    est_overview: (name, y, c, h, r, prev) => `In ${y}, ${name} had ${c} consultations and ${h} hospitalisations; ${r === null ? "its hospitalisation rate is withheld (statistical secrecy)." : `${r} of its patients seen were hospitalised.`}${prev}`,
    est_prev: (y, change) => ` Its consultations changed by ${change} from ${y}.`,
    est_cons: (name, c, share) => `${name}: ${c} consultations in the period${share === null ? "" : `, ${share} of its region's consultations`}. Diagnoses, specialties and months: figures of the region.`,
    est_hosp: (name, r, hd, s) => `${name}: ${r === null ? "hospitalisation rate withheld (statistical secrecy)" : `hospitalisation rate ${r}`} in the period (${hd} patients hospitalised out of ${s} seen). Diagnoses, sex and age: figures of the region.`,
    words: { "<10": "fewer than 10", s: "s (secret)" },
    est_deaths: (r) => `Deaths are counted at the place of death, per region: these are the establishment's region's (${r}).`,
    est_sat: (name, s, y) => `${name}: mean e-Satis score ${s}/100 over the period${y}.`,
    est_sat_none: (name) => `${name}: no publishable e-Satis score in this period.`,
    withheld_count: "withheld", in_others: "within Others",
    mean_days: "Mean", median_days: "Median", p90_days: "90th percentile", days: "days",
    readm_rate: "Readmission rate", mean_census: "Mean per night", peak_census: "Peak",
    p95_census: "95th percentile (threshold)", per_cons: "Prescriptions per consultation", history: "History",
    forecast: "Forecast", band80: "80% interval", band95: "95% interval",
    model: "Model", naive: "Same month last year", group_series: "Group",
    not_built: "Indicator not computed yet (chu run computes it).",
    act_group: "Figures of the group: the stay indicators have no breakdown by region.",
    act_est_missing: "No figure for this establishment: figures of the group.",
    act_region_bars: (r) => `Establishments of the region ${r}.`,
    nights: "nights", stays_word: "Stays", chapter: "Chapter", unknown_chapter: "Unknown chapter",
    stays_narr: (y, who, los, rate, sat) => `In ${y}, ${who}: ${los}; ${rate === null ? "30-day readmission rate withheld (statistical secrecy)" : `${rate} of stays followed by a readmission within 30 days`}; ${sat === null ? "saturation nights withheld (statistical secrecy)" : `${sat} nights above the 95th percentile of patients present`}.`,
    los_shown: (mean, med, p90) => `stays of ${mean} days on average (median ${med}, 90th percentile ${p90})`,
    los_hidden: "length of stay withheld (statistical secrecy)",
    fc_narr: (who, month, value, lo, hi, mase, naive, better) => `${who}: ${value} stays forecast for ${month} (80% interval: ${lo} to ${hi}).${mase === null ? "" : ` Over the last 24 months, the model's error (MASE ${mase}) is ${better ? "at or below" : "above"} that of "same month last year" (${naive}).`}`,
    the_group: "the group", coverage: (a, b) => `coverage 80%: ${a}, 95%: ${b}`,
  },
};

let P = null;
const state = { lang: "fr", page: "overview", from: null, to: null, region: "", est: "" };

/* ---------- numbers: one format for figures, axes and colour scales ---------- */
const withheld = (v) => typeof v === "string";
const number = (v) => typeof v === "number" && isFinite(v);
function grouped(text) {
  const [whole, decimals] = text.split(".");
  const sep = state.lang === "fr" ? THIN : ",";
  const out = whole.replace(/\B(?=(\d{3})+(?!\d))/g, sep);
  return decimals === undefined ? out : out + (state.lang === "fr" ? "," : ".") + decimals;
}
function fmtCount(n) {
  if (withheld(n)) return n;
  if (!number(n)) return "–";
  return grouped(Math.round(n).toString());
}
function fmtRate(r) {
  if (withheld(r)) return r;
  if (!number(r)) return "–";
  const text = grouped((100 * r).toFixed(1));
  return state.lang === "fr" ? text + THIN + "%" : text + "%";
}
function fmtScore(s) {
  if (withheld(s)) return s;
  if (!number(s)) return "–";
  return grouped(s.toFixed(1));
}
function fmtNum(v, digits) {
  if (withheld(v)) return v;
  if (!number(v)) return "–";
  return grouped(v.toFixed(digits));
}
function fmtMs(v) { return number(v) ? grouped(v < 10 ? v.toFixed(1) : Math.round(v).toString()) : "–"; }
function fmtChange(now, before, kind) {
  if (!number(now) || !number(before)) return null;
  if (kind === "count" && before === 0) return null;
  const diff = kind === "rate" ? 100 * (now - before) : kind === "score" ? now - before : 100 * (now - before) / before;
  const size = Math.abs(diff).toFixed(1);
  if (Number(size) === 0) return state.lang === "fr" ? "stable" : "unchanged";
  const unit = kind === "count" ? "%" : t("points");
  return (diff > 0 ? "+" : "−") + grouped(size) + (state.lang === "fr" || unit !== "%" ? THIN : "") + unit;
}
const t = (key) => UI[state.lang][key];

async function loadData() {
  const b64 = document.getElementById("chu-data").textContent.trim();
  // fromBase64 decodes natively; the loop is for browsers before it (a callback per byte is slower).
  let bytes;
  if (Uint8Array.fromBase64) bytes = Uint8Array.fromBase64(b64);
  else {
    const bin = atob(b64);
    bytes = new Uint8Array(bin.length);
    for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
  }
  const stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream("gzip"));
  return JSON.parse(await new Response(stream).text());
}

/* ---------- selection ---------- */
const D = () => P.data;
const rangeKey = (a, b) => `${a}-${b}`;
const currentRange = () => rangeKey(state.from, state.to);
function estRow() { return state.est === "" ? null : D().labels.est[Number(state.est)]; }
function regionOf() {
  const est = estRow();
  if (est) return est[2] || "";
  return state.region;
}
const regionName = (code) => Object.fromEntries(D().regions)[code] || code;
function groupScope() { const r = regionOf(); return r ? `r:${r}` : "all"; }
function selFor(a, b, scope) { return D().sel[`${rangeKey(a, b)}|${scope || groupScope()}`]; }
function estValue(field, a, b) {
  const row = D().est[state.est];
  if (!row || !row[field]) return 0;
  return row[field][D().ranges.indexOf(rangeKey(a, b))];
}
function estRate(a, b) {
  const seen = estValue("s", a, b), hospitalised = estValue("hd", a, b);
  if (withheld(hospitalised)) return hospitalised;
  if (withheld(seen)) return seen;
  return number(seen) && seen > 0 && number(hospitalised) ? Math.round(hospitalised / seen * 1e5) / 1e5 : null;
}

/* The figures of a year range: the establishment's own where it has them, else its region's
   (flagged in ``fallback``), else the group's or the chosen region's. */
function headline(a, b) {
  const sel = selFor(a, b);
  const deaths = D().deaths[rangeKey(a, b)] || {};
  const sat = D().sat[rangeKey(a, b)] || {};
  const region = regionOf();
  const regionDeaths = region ? deaths[region] : deaths[""];
  const out = {
    seen: sel.s, cons: sel.c, hosp: sel.h, rate: sel.r,
    deaths: regionDeaths === undefined ? 0 : regionDeaths,
    sat: region ? (sat[region] ? sat[region][0] : undefined) : (sat.all ? sat.all[0] : undefined),
    fallback: {},
  };
  if (state.est !== "") {
    out.seen = estValue("s", a, b); out.cons = estValue("c", a, b); out.hosp = estValue("h", a, b);
    out.rate = estRate(a, b);
    const row = D().est[state.est];
    const score = row && row.sat ? row.sat[D().ranges.indexOf(rangeKey(a, b))] : undefined;
    out.sat = score === undefined || score === -1 ? undefined : score;
    out.fallback.deaths = true;
  }
  return out;
}
const yearsInRange = () => D().years.filter((y) => y >= state.from && y <= state.to);

/* ---------- plotly helpers ---------- */
const CONFIG = { displaylogo: false, responsive: true, modeBarButtonsToRemove: ["lasso2d", "select2d"] };
const SPARK_CONFIG = { displayModeBar: false, responsive: true };
function layout(extra) {
  return Object.assign({
    margin: { l: 60, r: 20, t: 10, b: 40 }, height: 320, paper_bgcolor: "white", plot_bgcolor: "white",
    font: { family: "Segoe UI, Helvetica, Arial, sans-serif", size: 12, color: "#222" },
    separators: state.lang === "fr" ? ", " : ".,", showlegend: false,
  }, extra || {});
}
function showChart(id, note) {
  const el = document.getElementById(id), msg = document.getElementById(`${id}-withheld`);
  if (note) {
    Plotly.purge(el);
    el.hidden = true;
    if (msg) { msg.textContent = note; msg.hidden = false; }
  } else {
    el.hidden = false;
    if (msg) msg.hidden = true;
  }
}
function draw(id, data, lay, config) {
  showChart(id, null);
  Plotly.react(id, data, layout(lay), config || CONFIG);
}
/* A chart whose cells are mostly withheld says so in one line instead of drawing them. */
function mostlyWithheld(id, values) {
  const cells = values.filter((v) => v !== null && v !== undefined && v !== 0);
  const hidden = cells.filter(withheld).length;
  if (cells.length >= 2 && hidden * 2 > cells.length) {
    showChart(id, UI[state.lang].mostly(hidden, cells.length));
    return true;
  }
  return false;
}
function labelOf(kind, index) {
  if (index === -2) return t("others");
  if (index === -1) return t("unknown_est");
  const L = D().labels;
  if (kind === "est") return L.est[index][1];
  if (kind === "sp") return L.spec[index];
  const d = L.diag[index];
  return d[0] ? `${d[1]} (${d[0]})` : d[1];
}
const short = (s, n) => (s.length > n ? s.slice(0, n - 1) + "…" : s);
/* Horizontal bars, withheld cells as hatched grey stubs carrying their label. A stub's length
   is fixed (an eighth of the longest shown bar): it says "a cell is here", not its size. */
function cellBars(id, rows, lay) {
  const stub = Math.max(...rows.filter((r) => number(r.x)).map((r) => Math.abs(r.x)), 0.01) / 8;
  const y = rows.map((r) => r.label);
  const traces = [{
    type: "bar", orientation: "h", y, x: rows.map((r) => (number(r.x) ? r.x : null)), text: rows.map((r) => (number(r.x) ? r.text : "")),
    textposition: "auto", hovertext: rows.map((r) => r.hover), hoverinfo: "text",
    marker: { color: rows.map((r) => r.color || COLORS.main) }, name: "shown",
  }, {
    type: "bar", orientation: "h", y, x: rows.map((r) => (withheld(r.value) ? stub : null)),
    text: rows.map((r) => (withheld(r.value) ? r.value : "")), textposition: "outside", cliponaxis: false,
    textfont: { color: "#444" }, hovertext: rows.map((r) => `${r.hover}: ${r.value} (${t("withheld_hover")})`), hoverinfo: "text",
    marker: { color: COLORS.withheld, pattern: HATCH, line: { color: COLORS.withheldLine, width: 1 } }, name: "withheld",
  }];
  draw(id, traces, Object.assign({ barmode: "overlay" }, lay));
}
function shareBars(id, rows, kind, highlight) {
  if (rows === null) { showChart(id, t("whole")); return; }  // a breakdown withheld whole
  if (mostlyWithheld(id, rows.map((r) => r[1]))) return;
  const ordered = rows.slice().reverse();
  cellBars(id, ordered.map((r) => ({
    label: short(labelOf(kind, r[0]), r[3] ? 24 : 36) + (r[3] ? ` (${t("in_others")})` : ""), hover: labelOf(kind, r[0]), value: r[1],
    x: withheld(r[1]) ? null : r[2], text: `${fmtRate(r[2])} · ${fmtCount(r[1])}`,
    color: highlight !== undefined && r[0] === highlight ? COLORS.accent : r[0] === -2 ? COLORS.grey : COLORS.main,
  })), { margin: { l: 10, r: 40, t: 10, b: 40 }, xaxis: { tickformat: ".0%", rangemode: "tozero" }, yaxis: { automargin: true }, height: 360 });
}
/* Lines with gaps never: a withheld point is a grey marker on the axis with its label. */
function lineChart(id, x, series, yfmt, xaxis) {
  if (mostlyWithheld(id, series.flatMap((s) => s.y))) return;
  const traces = [];
  for (const s of series) {
    traces.push({
      type: "scatter", mode: "lines+markers", x, y: s.y.map((v) => (number(v) ? v : null)), name: s.name,
      line: { color: s.color || COLORS.main, width: 2 }, connectgaps: true,
      text: s.y.map((v) => (yfmt === "rate" ? fmtRate(v) : typeof yfmt === "number" ? fmtNum(v, yfmt) : fmtCount(v))), hoverinfo: "x+text+name",
    });
    if (s.y.some(withheld)) {
      traces.push({
        type: "scatter", mode: "markers+text", x, y: s.y.map((v) => (withheld(v) ? 0 : null)), name: t("withheld_cell"),
        text: s.y.map((v) => (withheld(v) ? v : "")), textposition: "top center", cliponaxis: false,
        marker: { symbol: "square", size: 11, color: COLORS.withheld, line: { color: COLORS.withheldLine, width: 1 } },
        hovertext: s.y.map((v) => (withheld(v) ? `${v} (${t("withheld_hover")})` : "")), hoverinfo: "x+text", showlegend: false,
      });
    }
  }
  draw(id, traces, { xaxis: Object.assign({ type: "category" }, xaxis || {}), yaxis: { tickformat: yfmt === "rate" ? ".1%" : typeof yfmt === "number" ? `,.${yfmt}f` : ",d", rangemode: "tozero" },
    showlegend: series.length > 1, legend: { orientation: "h" } });
}
function setScopeNote(chartId, text) {
  const note = document.querySelector(`[data-chart="${chartId}"] .scope-note`);
  if (!note) return;
  note.textContent = text || "";
  note.hidden = !text;
}

/* ---------- pages ---------- */
const KPIS = [
  ["seen", fmtCount, "count"], ["cons", fmtCount, "count"], ["hosp", fmtCount, "count"], ["rate", fmtRate, "rate"],
  ["deaths", fmtCount, "count"], ["sat", fmtScore, "score"],
];
function scopeLabel(fallback) {
  if (state.est !== "" && !fallback) return t("scope_est");
  const r = regionOf();
  if (state.est !== "" && fallback) return UI[state.lang].scope_fallback(regionName(r));
  return r ? UI[state.lang].scope_region(regionName(r)) : t("scope_group");
}
function renderOverview() {
  const last = state.to;
  const before = D().years.includes(last - 1) ? last - 1 : null;
  const h = headline(last, last);
  const prev = before === null ? null : headline(before, before);
  const years = yearsInRange();
  const series = years.map((y) => headline(y, y));
  for (const [key, fmt, kind] of KPIS) {
    document.querySelector(`[data-kpi="${key}"]`).textContent = fmt(h[key]);
    document.querySelector(`[data-kpi-label="${key}"]`).textContent = `${t(key)} ${last}`;
    const change = prev ? fmtChange(h[key], prev[key], kind) : null;
    document.querySelector(`[data-kpi-delta="${key}"]`).textContent = change ? `${change} ${UI[state.lang].vs(before)}` : "";
    const scope = document.querySelector(`[data-kpi-scope="${key}"]`);
    scope.textContent = scopeLabel(h.fallback[key]);
    scope.classList.toggle("fallback", Boolean(h.fallback[key]));
    const values = series.map((s) => s[key]);
    Plotly.react(`ov-spark-${key}`, [{
      type: "scatter", mode: "lines+markers", x: years.map(String), y: values.map((v) => (number(v) ? v : null)),
      line: { color: COLORS.main, width: 2 }, connectgaps: true,
      marker: { size: 5, color: years.map((y) => (y === last ? COLORS.accent : COLORS.light)) },
      text: values.map((v) => fmt(v)), hoverinfo: "x+text",
    }], layout({ height: 90, margin: { l: 8, r: 8, t: 4, b: 18 },
      xaxis: { type: "category", tickfont: { size: 9 }, tickvals: [String(years[0]), String(years[years.length - 1])] },
      yaxis: { visible: false } }), SPARK_CONFIG);
  }
  lineChart("ov-trend", years.map(String), [
    { name: t("cons"), y: series.map((s) => s.cons) },
    { name: t("hosp"), y: series.map((s) => s.hosp), color: COLORS.accent },
  ], "count");
  setScopeNote("ov-trend", state.est !== "" ? t("card_est") : "");
}
function regionFallbackNotes(ids) {
  const text = state.est !== "" ? UI[state.lang].card_fallback(regionName(regionOf())) : "";
  for (const id of ids) setScopeNote(id, text);
}
function renderConsultations() {
  const sel = selFor(state.from, state.to);
  let est = sel.est;
  if (state.est !== "" && !est.some((r) => r[0] === Number(state.est))) {
    // The chosen establishment is among "others": its own bar under them, so that it is always shown.
    const c = estValue("c", state.from, state.to);
    est = [...est, [Number(state.est), c, number(c) && number(sel.c) && sel.c ? c / sel.c : c, true]];
  }
  shareBars("c-est", est, "est", state.est === "" ? undefined : Number(state.est));
  shareBars("c-diag", sel.dg, "dg");
  shareBars("c-spec", sel.sp, "sp");
  const years = yearsInRange();
  const perYear = years.map((y) => (state.est !== "" ? estValue("c", y, y) : selFor(y, y).c));
  lineChart("c-year", years.map(String), [{ name: t("cons"), y: perYear }], "count");
  const x = [], y = [];
  const wholeMonths = years.some((yr) => selFor(yr, yr).mo === null);
  for (const yr of years) {
    const mo = selFor(yr, yr).mo || [];
    mo.forEach((v, i) => { x.push(`${yr}-${String(i + 1).padStart(2, "0")}`); y.push(v); });
  }
  const januaries = x.filter((m) => m.endsWith("-01"));
  if (wholeMonths) showChart("c-month", t("whole"));
  else lineChart("c-month", x, [{ name: t("cons"), y }], "count",
    years.length > 2 ? { tickvals: januaries, ticktext: januaries.map((m) => m.slice(0, 4)), tickangle: 0 } : {});
  setScopeNote("c-year", state.est !== "" ? t("card_est") : "");
  regionFallbackNotes(["c-diag", "c-spec", "c-month"]);
  setScopeNote("c-est", state.est !== "" ? UI[state.lang].card_highlight(regionName(regionOf())) : "");
}
function renderHospitalisations() {
  const sel = selFor(state.from, state.to);
  const years = yearsInRange();
  const rates = years.map((y) => headline(y, y).rate);
  lineChart("h-year", years.map(String), [{ name: t("rate"), y: rates }], "rate");
  setScopeNote("h-year", state.est !== "" ? t("card_est") : "");
  shareBars("h-diag", sel.hdg, "dg");
  const bands = ["0-17", "18-39", "40-64", "65-79", "80+"];
  const rows = (sexe) => bands.map((b) => sel.pyr.find((r) => r[0] === sexe && r[1] === b) || [sexe, b, 0, 0, null]);
  const men = rows("M"), women = rows("F");
  regionFallbackNotes(["h-diag", "h-pyr"]);
  if (mostlyWithheld("h-pyr", [...men, ...women].map((r) => r[4]))) return;
  const shown = [...men, ...women].map((r) => r[4]).filter(number);
  const top = Math.max(0.05, ...shown);
  const stub = top / 8;
  const side = (list, sign, name, color) => [
    { type: "bar", orientation: "h", name, y: bands, x: list.map((r) => (number(r[4]) ? sign * r[4] : null)), marker: { color },
      text: list.map((r) => (number(r[4]) ? fmtRate(r[4]) : "")), textposition: "outside", cliponaxis: false, hoverinfo: "y+text+name" },
    { type: "bar", orientation: "h", name: `${name} · ${t("withheld_count")}`, y: bands, x: list.map((r) => (withheld(r[4]) ? sign * stub : null)),
      marker: { color: COLORS.withheld, pattern: HATCH, line: { color: COLORS.withheldLine, width: 1 } }, showlegend: false,
      text: list.map((r) => (withheld(r[4]) ? r[4] : "")), textposition: "outside", cliponaxis: false,
      hovertext: list.map((r) => (withheld(r[4]) ? `${name}, ${r[1]}: ${r[4]} (${t("withheld_hover")})` : "")), hoverinfo: "text" },
  ];
  const bound = Math.ceil(top * 10) / 10;
  const step = bound > 0.4 ? 0.2 : 0.1;
  const ticks = [];
  for (let v = -bound; v <= bound + 1e-9; v += step) ticks.push(Math.round(v * 100) / 100);
  draw("h-pyr", [...side(men, -1, t("men"), COLORS.main), ...side(women, 1, t("women"), COLORS.accent)], {
    barmode: "overlay", bargap: 0.15, showlegend: true, legend: { orientation: "h" },
    xaxis: { tickvals: ticks, ticktext: ticks.map((v) => fmtRate(Math.abs(v)).replace(/[,.]0(?=\u202f?%)/, "")), range: [-bound - 0.12, bound + 0.12] },
    margin: { l: 60, r: 20, t: 10, b: 40 } });
}
function colorFor(v, lo, hi) {
  if (withheld(v)) return COLORS.withheld;
  if (!number(v) || v === 0) return COLORS.nodata;
  const f = hi > lo ? (v - lo) / (hi - lo) : 0.5;
  const a = [222, 235, 247], b = [8, 48, 107];
  return `rgb(${a.map((c, i) => Math.round(c + f * (b[i] - c))).join(",")})`;
}
function centre(shape) {
  const xs = [], ys = [];
  shape.x.forEach((x, i) => { if (x !== null) { xs.push(x); ys.push(shape.y[i]); } });
  return [(Math.min(...xs) + Math.max(...xs)) / 2, (Math.min(...ys) + Math.max(...ys)) / 2];
}
/* Regions coloured by value; no data plain light grey, withheld hatched with its label. */
function regionMap(id, values, fmt, colorTitle, tickformat) {
  const shown = Object.values(values).filter((v) => number(v) && v !== 0);
  const lo = Math.min(...shown), hi = Math.max(...shown);
  const selected = regionOf();
  const traces = Object.entries(P.geo).map(([code, shape]) => {
    const v = values[code];
    return {
      type: "scatter", mode: "lines", x: shape.x, y: shape.y, fill: "toself", fillcolor: colorFor(v, lo, hi),
      fillpattern: withheld(v) ? HATCH : undefined,
      line: { color: code === selected ? COLORS.accent : "white", width: code === selected ? 3 : 1 },
      hoveron: "fills", hoverinfo: "text", name: code,
      text: `${regionName(code)} : ${withheld(v) ? `${v} (${t("withheld_hover")})` : number(v) && v !== 0 ? fmt(v) : t("no_data")}`,
    };
  });
  traces.push({
    type: "scatter", mode: "markers", x: [null], y: [null], hoverinfo: "skip",
    marker: { color: [lo, hi], cmin: lo, cmax: hi, colorscale: [[0, "rgb(222,235,247)"], [1, "rgb(8,48,107)"]], showscale: isFinite(lo),
      colorbar: { title: { text: colorTitle }, thickness: 12, len: 0.8, tickformat } },
  });
  const annotations = Object.entries(P.geo).filter(([, s]) => s.tile).map(([, s]) => ({
    x: (s.x[0] + s.x[1]) / 2, y: s.y[2] + 0.05, text: s.label, showarrow: false, yanchor: "bottom", font: { size: 9 },
  }));
  for (const [code, shape] of Object.entries(P.geo)) {
    if (!withheld(values[code])) continue;
    const [x, y] = centre(shape);
    annotations.push({ x, y, text: `<b>${values[code]}</b>`, showarrow: false, font: { size: 12, color: "#222" },
      bgcolor: "rgba(255,255,255,0.85)", borderpad: 1 });
  }
  draw(id, traces, { height: 460, margin: { l: 0, r: 0, t: 0, b: 0 }, annotations,
    xaxis: { visible: false, range: [-5.3, 10] }, yaxis: { visible: false, scaleanchor: "x", scaleratio: 1.45, range: [41.3, 51.3] } });
}
function renderDeaths() {
  const deaths = D().deaths[currentRange()] || {};
  const values = {};
  for (const [code] of D().regions) if (!["abroad", "unknown", ""].includes(code)) values[code] = deaths[code] === undefined ? 0 : deaths[code];
  regionMap("d-map", values, fmtCount, t("deaths"), ",d");
  const total = deaths[""];
  const ranked = Object.entries(deaths).filter(([c]) => c !== "" && c !== "abroad" && c !== "unknown")
    .sort((a, b) => (number(b[1]) ? b[1] : -1) - (number(a[1]) ? a[1] : -1));
  const ordered = ranked.slice().reverse();
  if (!mostlyWithheld("d-rank", ordered.map(([, n]) => n))) {
    cellBars("d-rank", ordered.map(([c, n]) => ({
      label: regionName(c), hover: regionName(c), value: n,
      x: number(n) && number(total) && total ? n / total : null, text: `${fmtCount(n)} · ${fmtRate(number(total) && total && number(n) ? n / total : null)}`,
      color: c === regionOf() ? COLORS.accent : COLORS.main,
    })), { margin: { l: 200, r: 40, t: 10, b: 40 }, height: 460, xaxis: { tickformat: ".0%" } });
  }
  const years = yearsInRange();
  const region = regionOf();
  lineChart("d-year", years.map(String), [{ name: t("deaths"), y: years.map((y) => {
    const d = D().deaths[rangeKey(y, y)] || {};
    const v = region ? d[region] : d[""];
    return v === undefined ? 0 : v;
  }) }], "count");
  regionFallbackNotes(["d-map", "d-rank", "d-year"]);
}
/* Which quintile (1-5) ``score`` falls in, given the four bounds P20..P80. */
function quintileOf(score, bounds) {
  if (!bounds || !number(score)) return null;
  return 1 + bounds.filter((b) => score > b).length;
}
function renderSatisfaction() {
  const sat = D().sat[currentRange()] || {};
  const values = {};
  for (const [code, v] of Object.entries(sat)) if (code !== "all") values[code] = v[0];
  regionMap("s-map", values, fmtScore, t("score"), ".0f");
  const scores = D().scores.filter((r) => r[1] === state.to);
  const byRegion = {};
  for (const [, , score, region] of scores) if (region) (byRegion[region] = byRegion[region] || []).push(score);
  const codes = Object.keys(byRegion).sort((a, b) => regionName(a).localeCompare(regionName(b)));
  const traces = codes.map((code) => ({
    type: "box", name: short(regionName(code), 22), y: byRegion[code], boxpoints: false,
    marker: { color: code === regionOf() ? COLORS.accent : COLORS.main }, hoverinfo: "y+name",
  }));
  if (state.est !== "") {
    const own = scores.find((r) => r[0] === Number(state.est));
    if (own && own[3]) traces.push({ type: "scatter", mode: "markers", x: [short(regionName(own[3]), 22)], y: [own[2]],
      marker: { color: COLORS.accent, size: 12, symbol: "diamond" }, name: estRow()[1], hoverinfo: "y+name" });
  }
  draw("s-spread", traces, { margin: { l: 50, r: 20, t: 10, b: 20 }, height: 400, xaxis: { tickangle: -40, automargin: true }, yaxis: { title: { text: t("score") }, tickformat: ".0f" } });
  const years = D().years.filter((y) => D().quintiles[String(y)]);
  const band = (key, color, name) => {
    const q = years.map((y) => (D().quintiles[String(y)] || {})[key] || [null, null, null, null]);
    return [0, 1, 2, 3].map((i) => ({ type: "scatter", mode: "lines", x: years.map(String), y: q.map((v) => v[i]),
      line: { color, width: 1, dash: i % 3 === 0 ? "dot" : "solid" }, name: `${name} P${(i + 1) * 20}`, hoverinfo: "y+name" }));
  };
  const quint = band("all", COLORS.grey, t("nation"));
  const est = estRow();
  let position = "";
  if (est) {
    if (est[2]) quint.push(...band(est[2], COLORS.light, regionName(est[2])));
    const own = D().scores.filter((r) => r[0] === Number(state.est));
    quint.push({ type: "scatter", mode: "lines+markers", x: own.map((r) => String(r[1])), y: own.map((r) => r[2]),
      line: { color: COLORS.accent, width: 3 }, name: short(est[1], 30), hoverinfo: "y+name" });
    const latest = own.filter((r) => r[1] <= state.to).sort((a, b) => a[1] - b[1]).pop();
    if (latest) {
      const q = D().quintiles[String(latest[1])] || {};
      const qr = quintileOf(latest[2], q[est[2]]), qn = quintileOf(latest[2], q.all);
      const Q = UI[state.lang].quintile;
      position = UI[state.lang].est_position(est[1], latest[1], fmtScore(latest[2]), qr ? Q(qr) : null, Q(qn));
    }
  }
  draw("s-quint", quint, { height: 360, showlegend: true, legend: { orientation: "h", font: { size: 9 } }, xaxis: { type: "category" },
    yaxis: { title: { text: t("score") }, tickformat: ".0f" },
    annotations: est ? [] : [{ text: t("choose_est"), xref: "paper", yref: "paper", x: 0.5, y: 1, showarrow: false, font: { color: COLORS.accent } }] });
  setScopeNote("s-quint", position);
  setScopeNote("s-map", "");
  setScopeNote("s-spread", "");
}
function table(el, columns, rows) {
  const head = `<tr>${columns.map((c) => `<th>${escapeHtml(c[1])}</th>`).join("")}</tr>`;
  const body = rows.map((r) => `<tr>${columns.map((c) => `<td class="${c[2] ? c[2](r) : ""}">${escapeHtml(c[3] ? c[3](r) : r[c[0]])}</td>`).join("")}</tr>`).join("");
  el.innerHTML = `<table>${head}${body}</table>`;
}
function escapeHtml(v) {
  return String(v === null || v === undefined ? "" : v).replace(/[&<>"]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" }[c]));
}
const ORDER = ["failed", "warned", "not run", "passed"];
function renderQuality() {
  const q = P.quality;
  const L = state.lang;
  const S = UI[L].statuses;
  const attention = q.checks.filter((c) => c.status === "failed" || c.status === "warned")
    .sort((a, b) => ORDER.indexOf(a.status) - ORDER.indexOf(b.status));
  const box = document.getElementById("q-checks");
  if (attention.length) {
    table(box, [
      ["status", t("status"), (r) => `status-${r.status.replace(" ", "-")}`, (r) => S[r.status]],
      ["subject", t("subject"), null, (r) => r.subject[L]], ["checked", t("checked_what"), null, (r) => r.checked[L]],
      ["means", t("means"), null, (r) => r.means[L]], ["at", t("when"), null, (r) => r.at || "–"],
    ], attention);
  } else {
    box.innerHTML = `<p class="ok">${escapeHtml(t("nothing_wrong"))}</p>`;
  }
  const families = {};
  for (const c of q.checks) {
    const key = c.checked[L];
    const f = (families[key] = families[key] || { checked: key, total: 0, passed: 0, notRun: 0 });
    f.total += 1; if (c.status === "passed") f.passed += 1; if (c.status === "not run") f.notRun += 1;
  }
  table(document.getElementById("q-families"), [
    ["checked", t("checked_what")], ["total", t("checks_count")], ["passed", t("passed_count"), (r) => (r.passed + r.notRun < r.total ? "status-warned" : "status-passed")],
  ], Object.values(families).sort((a, b) => b.total - a.total));
  const loads = q.loads.filter((r) => r.rejects > 0).slice(0, 25).reverse();
  draw("q-rejects", [
    { type: "bar", orientation: "h", y: loads.map((r) => short(r.file, 48)), x: loads.map((r) => r.rejects), marker: { color: COLORS.accent },
      text: loads.map((r) => `${fmtCount(r.rejects)} / ${fmtCount(r.lines_read)}`), textposition: "auto", hoverinfo: "y+text" },
  ], { margin: { l: 330, r: 20, t: 10, b: 40 }, height: Math.max(300, 22 * loads.length + 60),
    xaxis: { title: { text: t("rejects") }, tickformat: ",d", rangemode: "tozero" } });
  table(document.getElementById("q-fresh"), [
    ["source", t("source"), null, (r) => r.name[L]], ["files", t("files")], ["latest_year", t("latest_year")],
    ["received_at", t("latest"), null, (r) => `${r.received_at} (${t("paris")})`], ["age", t("age"), null, (r) => r.age[L]],
  ], q.fresh);
}
function renderLatency() {
  const L = state.lang;
  const lat = P.latency;
  const history = lat.history;
  const last = history.length ? history[history.length - 1].run_at : null;
  const latest = history.filter((r) => r.run_at === last);
  const served = latest.filter((r) => r.layout_id === "served");
  const ours = Object.fromEntries((served.length ? served : latest).map((r) => [r.query, r.p50_ms]));
  const names = lat.queries.map((q) => q.label[L]);
  const engines = [];
  if (last) engines.push({ name: `${t("our_data")} (${last})`, values: lat.queries.map((q) => ours[q.name]), color: COLORS.accent });
  const palette = [COLORS.main, "#5b9bd5", "#70ad47", "#ffc000", "#7f7f7f"];
  lat.peers.engines.forEach((e, i) => engines.push({ name: e.name[L], values: lat.queries.map((q) => e.p50_ms[q.name]), color: palette[i % palette.length] }));
  const y = names.slice().reverse();
  draw("r-lat", engines.slice().reverse().map((e) => ({
    type: "bar", orientation: "h", name: e.name, y, x: e.values.slice().reverse(), marker: { color: e.color },
    text: e.values.slice().reverse().map((v) => `${fmtMs(v)} ms`), textposition: "outside", cliponaxis: false, hoverinfo: "y+text+name",
  })), { barmode: "group", height: 640, showlegend: true, legend: { orientation: "h", traceorder: "reversed" },
    margin: { l: 10, r: 60, t: 10, b: 40 }, yaxis: { automargin: true },
    xaxis: { type: "log", title: { text: "ms" }, tickformat: ",.0f" } });
  setScopeNote("r-lat", last ? "" : t("no_history"));
  const columns = [["label", t("query"), null, (r) => r.label[L]]];
  if (last) columns.push(["ours", t("our_data"), null, (r) => fmtMs(ours[r.name])]);
  lat.peers.engines.forEach((e) => columns.push([e.label, e.name[L], null, (r) => fmtMs(e.p50_ms[r.name])]));
  table(document.getElementById("r-queries"), columns, lat.queries);
  document.getElementById("r-queries").insertAdjacentHTML("beforeend", `<p class="how">${escapeHtml(t("peers_source"))}</p>`);
}
/* ---------- stays and forecast: the activity marts, embedded as published ---------- */
/* The indicators have a group row and one row per establishment (no region): the chosen
   establishment's own rows when it has some, else the group's; a region selects which
   establishments the bars show. */
const A = () => P.activity;
function actFiness() { const e = estRow(); return e ? e[0] : null; }
function estNameOf(finess) {
  if (finess === null || finess === undefined) return t("unknown_est");
  const row = D().labels.est.find((r) => r[0] === finess);
  return row ? row[1] : finess;
}
function estRegionOf(finess) {
  const row = D().labels.est.find((r) => r[0] === finess);
  return row ? row[2] : null;
}
function actScope(key) {
  const f = actFiness();
  if (f) {
    const own = A()[key].filter((r) => r.level === "establishment" && r.finess === f);
    if (own.length) return { rows: own, note: t("card_est"), name: estRow()[1] };
    return { rows: A()[key].filter((r) => r.level === "group"), note: t("act_est_missing"), name: t("the_group") };
  }
  return { rows: A()[key].filter((r) => r.level === "group"), note: regionOf() ? t("act_group") : "", name: t("the_group") };
}
function actYear(rows, year) { return rows.find((r) => r.year === year); }
function notBuilt(id, key) {
  if (A()[key].length) return false;
  showChart(id, t("not_built"));
  setScopeNote(id, "");
  return true;
}
function actLine(id, key, fields, digits) {
  if (notBuilt(id, key)) return;
  const scope = actScope(key);
  const years = yearsInRange();
  lineChart(id, years.map(String), fields.map(([field, name, color]) => ({
    name, color, y: years.map((y) => { const r = actYear(scope.rows, y); return r ? r[field] : null; }),
  })), digits);
  setScopeNote(id, scope.note);
}
/* One bar per establishment (those of the chosen region), last year of the period. */
function actEstBars(id, key, field, x, text) {
  if (notBuilt(id, key)) return;
  const region = regionOf();
  const rows = A()[key].filter((r) => r.level === "establishment" && r.year === state.to
    && (!region || estRegionOf(r.finess) === region));
  const sorted = rows.slice().sort((a, b) => (number(a[field]) ? a[field] : -1) - (number(b[field]) ? b[field] : -1));
  if (!sorted.length) { showChart(id, t("no_data")); setScopeNote(id, ""); return; }
  if (mostlyWithheld(id, sorted.map((r) => r[field]))) { setScopeNote(id, ""); return; }
  const f = actFiness();
  cellBars(id, sorted.map((r) => ({
    label: short(estNameOf(r.finess), 36), hover: estNameOf(r.finess), value: r[field],
    x: number(r[field]) ? x(r) : null, text: text(r), color: f && r.finess === f ? COLORS.accent : COLORS.main,
  })), { margin: { l: 10, r: 40, t: 10, b: 40 }, yaxis: { automargin: true }, height: Math.max(260, 24 * sorted.length + 60) });
  setScopeNote(id, region ? UI[state.lang].act_region_bars(regionName(region)) : "");
}
function renderStays() {
  const days = (v) => `${fmtNum(v, 1)} ${t("days")}`;
  actLine("st-los", "los", [["mean_days", t("mean_days")], ["median_days", t("median_days"), COLORS.light],
    ["p90_days", t("p90_days"), COLORS.accent]], 1);
  actEstBars("st-los-est", "los", "mean_days", (r) => r.mean_days, (r) => days(r.mean_days));
  if (!notBuilt("st-los-chap", "los")) {
    const rows = A().los.filter((r) => r.level === "chapter" && r.year === state.to)
      .sort((a, b) => (number(a.mean_days) ? a.mean_days : -1) - (number(b.mean_days) ? b.mean_days : -1));
    if (!mostlyWithheld("st-los-chap", rows.map((r) => r.mean_days))) {
      cellBars("st-los-chap", rows.map((r) => ({ label: r.chapitre === "unknown" ? t("unknown_chapter") : `${t("chapter")} ${r.chapitre}`, hover: `${r.chapitre} · ${fmtCount(r.stays)}`,
        value: r.mean_days, x: number(r.mean_days) ? r.mean_days : null, text: days(r.mean_days) })),
      { margin: { l: 10, r: 40, t: 10, b: 40 }, yaxis: { automargin: true, type: "category" }, height: Math.max(260, 22 * rows.length + 60) });
    }
    setScopeNote("st-los-chap", state.est !== "" || regionOf() ? t("act_group") : "");
  }
  actLine("st-readm", "readm", [["rate", t("readm_rate")]], "rate");
  actEstBars("st-readm-est", "readm", "rate", (r) => r.rate, (r) => `${fmtRate(r.rate)} · ${fmtCount(r.readmitted)} / ${fmtCount(r.stays)}`);
  actLine("st-census", "census", [["mean_census", t("mean_census")], ["p95_census", t("p95_census"), COLORS.grey],
    ["peak_census", t("peak_census"), COLORS.accent]], 1);
  actEstBars("st-sat", "census", "saturation_days", (r) => r.saturation_days, (r) => `${fmtCount(r.saturation_days)} ${t("nights")}`);
  if (!notBuilt("st-med", "med")) {
    const top = A().med.filter((r) => r.level === "top" && r.year === state.to).sort((a, b) => b.rank - a.rank);
    if (!top.length) showChart("st-med", t("no_data"));
    else if (!mostlyWithheld("st-med", top.map((r) => r.prescriptions))) {
      cellBars("st-med", top.map((r) => ({ label: short(r.denomination || r.code_cis, 40), hover: `${r.denomination} (CIS ${r.code_cis})`,
        value: r.prescriptions, x: number(r.share) ? r.share : null, text: `${fmtRate(r.share)} · ${fmtCount(r.prescriptions)}` })),
      { margin: { l: 10, r: 40, t: 10, b: 40 }, xaxis: { tickformat: ".0%", rangemode: "tozero" }, yaxis: { automargin: true }, height: 360 });
    }
    setScopeNote("st-med", state.est !== "" || regionOf() ? t("act_group") : "");
  }
  if (!notBuilt("st-medpc", "med")) {
    const years = yearsInRange();
    const group = A().med.filter((r) => r.level === "group");
    lineChart("st-medpc", years.map(String), [{ name: t("per_cons"), y: years.map((y) => { const r = actYear(group, y); return r ? r.per_consultation : null; }) }], 2);
    setScopeNote("st-medpc", state.est !== "" || regionOf() ? t("act_group") : "");
  }
}
/* The forecast series of the scope: the chosen establishment's when it has one, else the group's. */
function fcSeries(measure) {
  const all = A().fc[measure] || {};
  const f = actFiness();
  if (f && all[f]) return { key: f, note: t("card_est"), name: estRow()[1] };
  return { key: "group", note: f ? t("act_est_missing") : regionOf() ? t("act_group") : "", name: t("the_group") };
}
/* The group's consultations per month are the consultations page's own cells (same masks on
   both pages), up to the month before the forecast's first. */
function groupConsultations(future) {
  if (!future) return null;
  const out = { m: [], value: [] };
  for (const y of D().years) {
    const mo = (D().sel[`${rangeKey(y, y)}|all`] || {}).mo || [];
    mo.forEach((v, i) => {
      const m = `${y}-${String(i + 1).padStart(2, "0")}`;
      if (m < future.m[0]) { out.m.push(m); out.value.push(v); }
    });
  }
  return out;
}
function fcChart(id, measure) {
  const fc = (A().fc[measure] || {}), hist = (A().hist[measure] || {});
  const scope = fcSeries(measure);
  const future = fc[scope.key];
  const past = measure === "consultations" && scope.key === "group" ? groupConsultations(future) : hist[scope.key];
  if (!future || !past) { showChart(id, t("not_built")); setScopeNote(id, ""); return; }
  const keep = past.m.map((m) => Number(m.slice(0, 4))).map((y) => y >= state.from && y <= state.to);
  const hx = past.m.filter((_, i) => keep[i]).map((m) => `${m}-01`), hy = past.value.filter((_, i) => keep[i]);
  const fx = future.m.map((m) => `${m}-01`);
  if (mostlyWithheld(id, [...hy, ...future.forecast])) { setScopeNote(id, scope.note); return; }
  const band = (lo, hi, color, name) => {
    const idx = fx.map((_, i) => i).filter((i) => number(lo[i]) && number(hi[i]));
    return { type: "scatter", mode: "lines", x: [...idx.map((i) => fx[i]), ...idx.slice().reverse().map((i) => fx[i])],
      y: [...idx.map((i) => hi[i]), ...idx.slice().reverse().map((i) => lo[i])], fill: "toself", fillcolor: color,
      line: { width: 0 }, name, hoverinfo: "skip" };
  };
  const cells = (x, y, name) => ({
    type: "scatter", mode: "markers+text", x, y: y.map((v) => (withheld(v) ? 0 : null)), name: t("withheld_cell"),
    text: y.map((v) => (withheld(v) ? v : "")), textposition: "top center", cliponaxis: false, showlegend: false,
    marker: { symbol: "square", size: 11, color: COLORS.withheld, line: { color: COLORS.withheldLine, width: 1 } },
    hovertext: y.map((v) => (withheld(v) ? `${name}: ${v} (${t("withheld_hover")})` : "")), hoverinfo: "x+text",
  });
  const traces = [
    band(future.lo95, future.hi95, "rgba(157,195,230,0.35)", t("band95")),
    band(future.lo80, future.hi80, "rgba(157,195,230,0.8)", t("band80")),
    { type: "scatter", mode: "lines+markers", x: hx, y: hy.map((v) => (number(v) ? v : null)), name: t("history"),
      line: { color: COLORS.main, width: 2 }, marker: { size: 4 }, connectgaps: true, text: hy.map(fmtCount), hoverinfo: "x+text+name" },
    { type: "scatter", mode: "lines+markers", x: fx, y: future.forecast.map((v) => (number(v) ? v : null)), name: t("forecast"),
      line: { color: COLORS.accent, width: 2, dash: "dash" }, marker: { size: 5 }, connectgaps: true,
      text: future.forecast.map((v, i) => `${fmtNum(v, 0)} (80 % : ${fmtNum(future.lo80[i], 0)}–${fmtNum(future.hi80[i], 0)})`), hoverinfo: "x+text+name" },
  ];
  if (hy.some(withheld)) traces.push(cells(hx, hy, t("history")));
  if (future.forecast.some(withheld)) traces.push(cells(fx, future.forecast, t("forecast")));
  draw(id, traces, { height: 360, showlegend: true, legend: { orientation: "h" },
    xaxis: { type: "date", tickformat: "%m/%Y" }, yaxis: { tickformat: ",d", rangemode: "tozero" } });
  setScopeNote(id, scope.note);
}
function renderForecast() {
  fcChart("fc-stays", "stays");
  fcChart("fc-cons", "consultations");
  const f = actFiness();
  const series = [["group", t("group_series")]];
  if (f && A().back.some((r) => r.series === f)) series.push([f, short(estRow()[1], 16)]);
  const rows = [];
  for (const [key, name] of series) for (const measure of ["stays", "consultations"]) {
    const r = A().back.find((b) => b.series === key && b.measure === measure);
    if (r) rows.push([`${name} · ${t(measure === "stays" ? "stays_word" : "cons")}`, r, `${name}<br>${t(measure === "stays" ? "stays_word" : "cons")}`]);
  }
  if (!rows.length) { showChart("fc-back", t("not_built")); setScopeNote("fc-back", ""); return; }
  const x = rows.map(([, , tick]) => tick);
  const cover = (r) => UI[state.lang].coverage(fmtRate(r.coverage_80), fmtRate(r.coverage_95));
  draw("fc-back", [
    { type: "bar", name: t("model"), x, y: rows.map(([, r]) => r.mase), marker: { color: COLORS.main },
      text: rows.map(([, r]) => fmtNum(r.mase, 2)), textposition: "outside", cliponaxis: false,
      hovertext: rows.map(([, r]) => `MASE ${fmtNum(r.mase, 2)} · ${cover(r)}`), hoverinfo: "x+text" },
    { type: "bar", name: t("naive"), x, y: rows.map(([, r]) => r.mase_seasonal_naive), marker: { color: COLORS.grey },
      text: rows.map(([, r]) => fmtNum(r.mase_seasonal_naive, 2)), textposition: "outside", cliponaxis: false, hoverinfo: "x+text+name" },
  ], { barmode: "group", showlegend: true, legend: { orientation: "h", x: 0, y: 1.12 }, margin: { l: 60, r: 20, t: 40, b: 40 },
    xaxis: { automargin: true, tickangle: 0 }, yaxis: { title: { text: "MASE" }, tickformat: ".1f", rangemode: "tozero" },
    shapes: [{ type: "line", xref: "paper", x0: 0, x1: 1, y0: 1, y1: 1, line: { color: COLORS.grey, dash: "dot", width: 1 } }] });
  setScopeNote("fc-back", rows.map(([label, r]) => `${label} : ${cover(r)}`).join(" ; "));
}
function actNarrative(page) {
  const U = UI[state.lang];
  if (page === "stays") {
    const los = actScope("los"), readm = actScope("readm"), census = actScope("census");
    const l = actYear(los.rows, state.to);
    if (!l) return U.not_built;
    const r = actYear(readm.rows, state.to) || {}, c = actYear(census.rows, state.to) || {};
    const length = number(l.mean_days) ? U.los_shown(fmtNum(l.mean_days, 1), fmtNum(l.median_days, 1), fmtNum(l.p90_days, 1)) : U.los_hidden;
    return U.stays_narr(state.to, los.name, length, number(r.rate) ? fmtRate(r.rate) : null,
      number(c.saturation_days) ? fmtCount(c.saturation_days) : null);
  }
  const scope = fcSeries("stays");
  const future = (A().fc.stays || {})[scope.key];
  if (!future) return U.not_built;
  const back = A().back.find((b) => b.series === scope.key && b.measure === "stays");
  const month = future.m[0].split("-").reverse().join("/");
  return U.fc_narr(scope.name.charAt(0).toUpperCase() + scope.name.slice(1), month, say(withheld(future.forecast[0]) ? future.forecast[0] : Math.round(future.forecast[0])),
    fmtNum(future.lo80[0], 0), fmtNum(future.hi80[0], 0), back ? fmtNum(back.mase, 2) : null,
    back ? fmtNum(back.mase_seasonal_naive, 2) : null, back ? back.mase <= back.mase_seasonal_naive : false);
}
const RENDER = { overview: renderOverview, consultations: renderConsultations, hospitalisations: renderHospitalisations,
  deaths: renderDeaths, satisfaction: renderSatisfaction, stays: renderStays, forecast: renderForecast,
  quality: renderQuality, latency: renderLatency };

/* ---------- text, filters, navigation ---------- */
/* The sentence over the page when one establishment is chosen: its own figures, and where
   the page shows its region's instead, said so. */
const say = (n) => (withheld(n) ? UI[state.lang].words[n] : fmtCount(n));
const sayRate = (r) => (number(r) ? fmtRate(r) : null);
function estNarrative(page) {
  const est = estRow(), U = UI[state.lang];
  const name = est[1];
  const a = state.from, b = state.to;
  if (page === "overview") {
    const h = headline(b, b);
    const before = D().years.includes(b - 1) ? headline(b - 1, b - 1) : null;
    const change = before ? fmtChange(h.cons, before.cons, "count") : null;
    return U.est_overview(name, b, say(h.cons), say(h.hosp), sayRate(h.rate), change ? U.est_prev(b - 1, change) : "");
  }
  if (page === "consultations") {
    const c = estValue("c", a, b), total = selFor(a, b).c;
    const share = number(c) && number(total) && total ? c / total : null;
    return U.est_cons(name, say(c), sayRate(share));
  }
  if (page === "hospitalisations") return U.est_hosp(name, sayRate(estRate(a, b)), say(estValue("hd", a, b)), say(estValue("s", a, b)));
  if (page === "deaths") return U.est_deaths(regionName(regionOf()));
  const h = headline(a, b);
  return h.sat === undefined ? U.est_sat_none(name) : U.est_sat(name, fmtScore(h.sat), a === b ? ` (${a})` : ` (${a}–${b})`);
}
function narrative(page) {
  if (page === "quality") return P.quality.narr[state.lang];
  if (page === "latency") return P.latency.narr[state.lang];
  if (page === "stays" || page === "forecast") return actNarrative(page);
  if (state.est !== "") return estNarrative(page);
  const texts = P.narr[state.lang][`${currentRange()}|${groupScope()}`];
  return texts ? texts[page] : "";
}
function renderText() {
  document.documentElement.lang = state.lang;
  for (const page of P.catalogue.pages) document.querySelector(`[data-nav="${page.id}"]`).textContent = page[state.lang];
  for (const chart of P.catalogue.charts) {
    const card = document.querySelector(`[data-chart="${chart.id}"]`);
    card.querySelector("h3").textContent = chart[state.lang].title;
    card.querySelector(".how").textContent = chart[state.lang].how;
  }
  for (const el of document.querySelectorAll("[data-ui]")) el.textContent = t(el.dataset.ui);
  for (const el of document.querySelectorAll("[data-lang]")) el.classList.toggle("active", el.dataset.lang === state.lang);
  document.getElementById("generated").textContent = `${t("generated")} ${P.meta.generated} (${t("paris")})`;
  document.getElementById("legend").textContent = P.meta.legend[state.lang];
  fillFilters();
}
function option(value, text, selected) {
  const o = document.createElement("option");
  o.value = value; o.textContent = text; o.selected = selected; return o;
}
function fillFilters() {
  const from = document.getElementById("f-from"), to = document.getElementById("f-to");
  const region = document.getElementById("f-region"), est = document.getElementById("f-est");
  from.replaceChildren(...D().years.map((y) => option(y, y, y === state.from)));
  to.replaceChildren(...D().years.filter((y) => y >= state.from).map((y) => option(y, y, y === state.to)));
  const names = D().regions.filter(([c]) => !["abroad", "unknown", "com"].includes(c)).sort((a, b) => a[1].localeCompare(b[1]));
  region.replaceChildren(option("", t("all_regions"), state.region === ""), ...names.map(([c, n]) => option(c, n, c === state.region)));
  const ests = D().labels.est.map((r, i) => [i, r]).filter(([i, r]) => D().est[i] && (!state.region || r[2] === state.region))
    .sort((a, b) => a[1][1].localeCompare(b[1][1]));
  est.replaceChildren(option("", t("all_est"), state.est === ""), ...ests.map(([i, r]) => option(i, `${r[1]} (${r[0]})`, String(i) === state.est)));
}
function render() {
  document.getElementById("narrative").textContent = narrative(state.page);
  document.getElementById("filters-note").hidden = !["quality", "latency"].includes(state.page);
  RENDER[state.page]();
  document.body.dataset.rendered = `${state.page}|${currentRange()}|${state.region}|${state.est}|${state.lang}`;
}
function show(page) {
  state.page = page;
  for (const s of document.querySelectorAll("section.page")) s.hidden = s.id !== `page-${page}`;
  for (const a of document.querySelectorAll("[data-nav]")) a.classList.toggle("active", a.dataset.nav === page);
  render();
}
function bind() {
  document.getElementById("f-from").addEventListener("change", (e) => {
    state.from = Number(e.target.value); if (state.to < state.from) state.to = state.from; fillFilters(); render();
  });
  document.getElementById("f-to").addEventListener("change", (e) => { state.to = Number(e.target.value); render(); });
  document.getElementById("f-region").addEventListener("change", (e) => { state.region = e.target.value; state.est = ""; fillFilters(); render(); });
  document.getElementById("f-est").addEventListener("change", (e) => { state.est = e.target.value; render(); });
  for (const el of document.querySelectorAll("[data-lang]")) el.addEventListener("click", () => { state.lang = el.dataset.lang; renderText(); render(); });
  for (const el of document.querySelectorAll("[data-nav]")) el.addEventListener("click", (e) => { e.preventDefault(); show(el.dataset.nav); });
}
async function main() {
  P = await loadData();
  state.lang = P.meta.lang;
  const years = D().years;
  // Trends by default: every year present; the headline figures are the last year's.
  state.from = years[0];
  state.to = years[years.length - 1];
  bind();
  renderText();
  show("overview");
}
main();
