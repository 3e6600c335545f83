/* CHU Platform dashboard: draws the embedded, already masked figures of the selection.
   Nothing is computed from masked cells here: every selection was precomputed in Python. */
"use strict";

const THIN = "\u202f";
const MASK = "<10";
const COLORS = { main: "#1f4e79", accent: "#c0504d", light: "#9dc3e6", grey: "#a6a6a6", green: "#548235" };
const UI = {
  fr: {
    from: "De", to: "à", region: "Région", est: "Établissement", all_regions: "Toutes les régions",
    all_est: "Tous les établissements", seen: "Patients vus", cons: "Consultations", hosp: "Hospitalisations",
    rate: "Taux d'hospitalisation", deaths: "Décès", sat: "Satisfaction moyenne", others: "Autres",
    unknown_est: "Établissement inconnu", masked: "<10 : effectif masqué (secret statistique)",
    est_note: "Détail non calculé par établissement : figures de sa région, l'établissement en rouge.",
    region_note: "Narratif de la région de l'établissement.", women: "Femmes", men: "Hommes",
    generated: "Généré le", check: "Contrôle", asset: "Actif", status: "Statut", description: "Description",
    when: "Exécuté", source: "Source", files: "Fichiers", latest: "Dernière livraison", age: "Âge (jours)",
    latest_year: "Dernière année", queries: "Requêtes de référence", query: "Analyse", numerator: "Numérateur",
    denominator: "Dénominateur", no_history: "Aucune mesure : lancez chu bench", nation: "France",
    choose_est: "Choisissez un établissement pour le situer", statuses: { passed: "réussi", warned: "avertissement", failed: "échec", "not run": "jamais exécuté" },
    score: "Score", year: "Année", abroad: "Étranger", unknown: "Inconnu", file: "Fichier", rejects: "Lignes rejetées",
    lines_read: "Lignes lues", checks: "Résultats des contrôles (dernière exécution)", freshness: "Fraîcheur des sources",
    filters_note: "Les filtres ne s'appliquent pas à cette page.", secret: "masqué (secret : regroupe des effectifs masqués)", subtitle: "Tableau de bord des décideurs",
  },
  en: {
    from: "From", to: "to", region: "Region", est: "Establishment", all_regions: "All regions",
    all_est: "All establishments", seen: "Patients seen", cons: "Consultations", hosp: "Hospitalisations",
    rate: "Hospitalisation rate", deaths: "Deaths", sat: "Mean satisfaction", others: "Others",
    unknown_est: "Unknown establishment", masked: "<10: count masked (statistical secrecy)",
    est_note: "Not broken down per establishment: figures of its region, the establishment in red.",
    region_note: "Narrative of the establishment's region.", women: "Women", men: "Men",
    generated: "Generated on", check: "Check", asset: "Asset", status: "Status", description: "Description",
    when: "Run", source: "Source", files: "Files", latest: "Latest delivery", age: "Age (days)",
    latest_year: "Latest year", queries: "Reference queries", query: "Analysis", numerator: "Numerator",
    denominator: "Denominator", no_history: "No measurement yet: run chu bench", nation: "France",
    choose_est: "Choose an establishment to place it", statuses: { passed: "passed", warned: "warned", failed: "failed", "not run": "never run" },
    score: "Score", year: "Year", abroad: "Abroad", unknown: "Unknown", file: "File", rejects: "Rejected lines",
    lines_read: "Lines read", checks: "Check results (latest run)", freshness: "Source freshness",
    filters_note: "Filters do not apply to this page.", secret: "masked (secrecy: gathers masked counts)", subtitle: "Decision-makers' dashboard",
  },
};

let P = null;
const state = { lang: "fr", page: "overview", from: null, to: null, region: "", est: "" };

function fmtCount(n) {
  if (n === null || n === undefined) return MASK;
  const text = Math.round(n).toString().replace(/\B(?=(\d{3})+(?!\d))/g, ",");
  return state.lang === "fr" ? text.replace(/,/g, THIN) : text;
}
function fmtRate(r) {
  if (r === null || r === undefined) return MASK;
  const text = (100 * r).toFixed(1);
  return state.lang === "fr" ? text.replace(".", ",") + THIN + "%" : text + "%";
}
function fmtScore(s) {
  if (s === undefined) return "–";
  if (s === null) return MASK;
  const text = s.toFixed(1);
  return state.lang === "fr" ? text.replace(".", ",") : text;
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
function groupScope() { const r = regionOf(); return r ? `r:${r}` : "all"; }
function selFor(a, b, scope) { return D().sel[`${rangeKey(a, b)}|${scope || groupScope()}`]; }
function estValue(field, a, b) {
  const row = D().est[state.est];
  if (!row || !row[field]) return 0;
  return row[field][D().ranges.indexOf(rangeKey(a, b))];
}

function headline(a, b) {
  const sel = selFor(a, b);
  const deaths = D().deaths[rangeKey(a, b)] || {};
  const sat = (D().sat[rangeKey(a, b)] || {});
  const region = regionOf();
  const out = {
    seen: sel.s, cons: sel.c, hosp: sel.h, rate: sel.r,
    deaths: region ? (deaths[region] === undefined ? 0 : deaths[region]) : (deaths[""] === undefined ? 0 : deaths[""]),
    sat: region ? (sat[region] ? sat[region][0] : undefined) : (sat.all ? sat.all[0] : undefined),
  };
  if (state.est !== "") {
    out.seen = estValue("s", a, b); out.cons = estValue("c", a, b); out.hosp = estValue("h", a, b);
    const hospitalised = estValue("hd", a, b);
    out.rate = out.seen && hospitalised !== null ? Math.round(hospitalised / out.seen * 1e5) / 1e5 : null;
    const row = D().est[state.est];
    const score = row && row.sat ? row.sat[D().ranges.indexOf(rangeKey(a, b))] : undefined;
    out.sat = score === undefined || score === -1 ? undefined : score;
  }
  return out;
}
const yearsInRange = () => D().years.filter((y) => y >= state.from && y <= state.to);

/* ---------- plotly helpers ---------- */
const CONFIG = { displaylogo: false, responsive: true, modeBarButtonsToRemove: ["lasso2d", "select2d"] };
function layout(extra) {
  return Object.assign({
    margin: { l: 60, r: 20, t: 10, b: 40 }, height: 320, paper_bgcolor: "white", plot_bgcolor: "white",
    font: { family: "Segoe UI, Helvetica, Arial, sans-serif", size: 12, color: "#222" },
    separators: state.lang === "fr" ? ", " : ".,", showlegend: false,
  }, extra || {});
}
function draw(id, data, lay) { Plotly.react(id, data, layout(lay), CONFIG); }
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
function shareBars(id, rows, kind, highlight) {
  const ordered = rows.slice().reverse();
  const labels = ordered.map((r) => short(labelOf(kind, r[0]), 36));
  draw(id, [{
    type: "bar", orientation: "h", y: labels, x: ordered.map((r) => (r[2] === null ? 0 : r[2])),
    text: ordered.map((r) => (r[1] === null ? (r[0] === -2 ? t("secret") : MASK) : `${fmtRate(r[2])} · ${fmtCount(r[1])}`)), textposition: "auto",
    hovertext: ordered.map((r) => labelOf(kind, r[0])), hoverinfo: "text+x",
    marker: { color: ordered.map((r) => (highlight !== undefined && r[0] === highlight ? COLORS.accent : r[0] === -2 ? COLORS.grey : COLORS.main)) },
  }], { margin: { l: 10, r: 20, t: 10, b: 40 }, xaxis: { tickformat: ".0%", rangemode: "tozero" }, yaxis: { automargin: true }, height: 360 });
}
function lineChart(id, x, series, yfmt) {
  draw(id, series.map((s) => ({
    type: "scatter", mode: "lines+markers", x, y: s.y.map((v) => (v === null ? null : v)), name: s.name,
    line: { color: s.color || COLORS.main, width: 2 }, connectgaps: false,
    text: s.y.map((v) => (yfmt === "rate" ? fmtRate(v) : fmtCount(v))), hoverinfo: "x+text+name",
  })), { xaxis: { type: "category" }, yaxis: { tickformat: yfmt === "rate" ? ".1%" : ",d", rangemode: "tozero" }, showlegend: series.length > 1, legend: { orientation: "h" } });
}

/* ---------- pages ---------- */
const KPIS = [
  ["seen", fmtCount], ["cons", fmtCount], ["hosp", fmtCount], ["rate", fmtRate], ["deaths", fmtCount], ["sat", fmtScore],
];
function renderOverview() {
  const h = headline(state.from, state.to);
  const years = D().years;
  const series = years.map((y) => headline(y, y));
  for (const [key, fmt] of KPIS) {
    document.querySelector(`[data-kpi="${key}"]`).textContent = fmt(h[key]);
    document.querySelector(`[data-kpi-label="${key}"]`).textContent = t(key);
    draw(`ov-spark-${key}`, [{
      type: "scatter", mode: "lines+markers", x: years.map(String), y: series.map((s) => s[key]),
      line: { color: COLORS.main, width: 2 }, marker: { size: 5, color: years.map((y) => (y >= state.from && y <= state.to ? COLORS.accent : COLORS.light)) },
      text: series.map((s) => fmt(s[key])), hoverinfo: "x+text",
    }], { height: 90, margin: { l: 8, r: 8, t: 4, b: 18 }, xaxis: { type: "category", tickfont: { size: 9 }, tickvals: [String(years[0]), String(years[years.length - 1])] }, yaxis: { visible: false, rangemode: "tozero" } });
  }
}
function renderConsultations() {
  const sel = selFor(state.from, state.to);
  shareBars("c-est", sel.est, "est", state.est === "" ? undefined : Number(state.est));
  shareBars("c-diag", sel.dg, "dg");
  shareBars("c-spec", sel.sp, "sp");
  const years = yearsInRange();
  const perYear = years.map((y) => (state.est !== "" ? estValue("c", y, y) : selFor(y, y).c));
  lineChart("c-year", years.map(String), [{ name: t("cons"), y: perYear }], "count");
  const x = [], y = [];
  for (const yr of years) {
    const mo = selFor(yr, yr).mo || [];
    mo.forEach((v, i) => { x.push(`${yr}-${String(i + 1).padStart(2, "0")}`); y.push(v); });
  }
  lineChart("c-month", x, [{ name: t("cons"), y }], "count");
}
function renderHospitalisations() {
  const sel = selFor(state.from, state.to);
  const years = D().years;
  const rates = years.map((y) => headline(y, y).rate);
  lineChart("h-year", years.map(String), [{ name: t("rate"), y: rates }], "rate");
  shareBars("h-diag", sel.hdg, "dg");
  const bands = ["0-17", "18-39", "40-64", "65-79", "80+"];
  const rows = (sexe) => bands.map((b) => sel.pyr.find((r) => r[0] === sexe && r[1] === b) || [sexe, b, 0, 0, 0]);
  const men = rows("M"), women = rows("F");
  draw("h-pyr", [
    { type: "bar", orientation: "h", name: t("men"), y: bands, x: men.map((r) => -(r[4] || 0)), marker: { color: COLORS.main },
      text: men.map((r) => fmtRate(r[4])), textposition: "outside", hoverinfo: "y+text+name" },
    { type: "bar", orientation: "h", name: t("women"), y: bands, x: women.map((r) => r[4] || 0), marker: { color: COLORS.accent },
      text: women.map((r) => fmtRate(r[4])), textposition: "outside", hoverinfo: "y+text+name" },
  ], { barmode: "overlay", bargap: 0.15, showlegend: true, legend: { orientation: "h" },
    xaxis: { tickformat: ".0%", tickvals: [-0.3, -0.2, -0.1, 0, 0.1, 0.2, 0.3], ticktext: ["30%", "20%", "10%", "0", "10%", "20%", "30%"], range: [-0.4, 0.4] },
    margin: { l: 60, r: 20, t: 10, b: 40 } });
}
function colorFor(v, lo, hi) {
  if (v === null || v === undefined) return "#e7e6e6";
  const f = hi > lo ? (v - lo) / (hi - lo) : 0.5;
  const a = [222, 235, 247], b = [8, 48, 107];
  return `rgb(${a.map((c, i) => Math.round(c + f * (b[i] - c))).join(",")})`;
}
function regionMap(id, values, fmt, colorTitle) {
  const shown = Object.values(values).filter((v) => v !== null && v !== undefined);
  const lo = Math.min(...shown), hi = Math.max(...shown);
  const names = Object.fromEntries(D().regions);
  const selected = regionOf();
  const traces = Object.entries(P.geo).map(([code, shape]) => ({
    type: "scatter", mode: "lines", x: shape.x, y: shape.y, fill: "toself", fillcolor: colorFor(values[code], lo, hi),
    line: { color: code === selected ? COLORS.accent : "white", width: code === selected ? 3 : 1 },
    hoveron: "fills", hoverinfo: "text", text: `${names[code] || code}: ${fmt(values[code] === undefined ? 0 : values[code])}`, name: code,
  }));
  traces.push({
    type: "scatter", mode: "markers", x: [null], y: [null], hoverinfo: "skip",
    marker: { color: [lo, hi], cmin: lo, cmax: hi, colorscale: [[0, "rgb(222,235,247)"], [1, "rgb(8,48,107)"]], showscale: isFinite(lo),
      colorbar: { title: { text: colorTitle }, thickness: 12, len: 0.8 } },
  });
  const tiles = Object.entries(P.geo).filter(([, s]) => s.tile).map(([code, s]) => ({
    x: (s.x[0] + s.x[1]) / 2, y: s.y[2] + 0.05, text: s.label, showarrow: false, yanchor: "bottom", font: { size: 9 },
  }));
  draw(id, traces, { height: 460, margin: { l: 0, r: 0, t: 0, b: 0 }, annotations: tiles,
    xaxis: { visible: false, range: [-5.3, 10] }, yaxis: { visible: false, scaleanchor: "x", scaleratio: 1.45, range: [41.3, 51.3] } });
}
function renderDeaths() {
  const deaths = D().deaths[currentRange()] || {};
  const values = {};
  for (const [code] of D().regions) if (!["abroad", "unknown", ""].includes(code)) values[code] = deaths[code] === undefined ? 0 : deaths[code];
  regionMap("d-map", values, fmtCount, t("deaths"));
  const names = Object.fromEntries(D().regions);
  const total = deaths[""];
  const ranked = Object.entries(deaths).filter(([c]) => c !== "" && c !== "abroad" && c !== "unknown")
    .sort((a, b) => (b[1] === null ? -1 : b[1]) - (a[1] === null ? -1 : a[1]));
  const ordered = ranked.slice().reverse();
  draw("d-rank", [{
    type: "bar", orientation: "h", y: ordered.map(([c]) => names[c] || c), x: ordered.map(([, n]) => (n === null || !total ? 0 : n / total)),
    text: ordered.map(([, n]) => (n === null ? MASK : `${fmtCount(n)} · ${fmtRate(total ? n / total : null)}`)), textposition: "auto",
    marker: { color: ordered.map(([c]) => (c === regionOf() ? COLORS.accent : COLORS.main)) }, hoverinfo: "y+text",
  }], { margin: { l: 200, r: 20, t: 10, b: 40 }, height: 460, xaxis: { tickformat: ".0%" } });
  const years = yearsInRange();
  const region = regionOf();
  lineChart("d-year", years.map(String), [{ name: t("deaths"), y: years.map((y) => {
    const d = D().deaths[rangeKey(y, y)] || {};
    const v = region ? d[region] : d[""];
    return v === undefined ? 0 : v;
  }) }], "count");
}
function renderSatisfaction() {
  const sat = D().sat[currentRange()] || {};
  const values = {};
  for (const [code, v] of Object.entries(sat)) if (code !== "all") values[code] = v[0];
  regionMap("s-map", values, fmtScore, t("score"));
  const names = Object.fromEntries(D().regions);
  const scores = D().scores.filter((r) => r[1] === state.to);
  const byRegion = {};
  for (const [, , score, region] of scores) if (region) (byRegion[region] = byRegion[region] || []).push(score);
  const codes = Object.keys(byRegion).sort((a, b) => (names[a] || a).localeCompare(names[b] || b));
  const traces = codes.map((code) => ({
    type: "box", name: short(names[code] || code, 22), y: byRegion[code], boxpoints: false,
    marker: { color: code === regionOf() ? COLORS.accent : COLORS.main }, hoverinfo: "y+name",
  }));
  if (state.est !== "") {
    const own = scores.find((r) => r[0] === Number(state.est));
    if (own && own[3]) traces.push({ type: "scatter", mode: "markers", x: [short(names[own[3]] || own[3], 22)], y: [own[2]],
      marker: { color: COLORS.accent, size: 12, symbol: "diamond" }, name: estRow()[1], hoverinfo: "y+name" });
  }
  draw("s-spread", traces, { margin: { l: 50, r: 20, t: 10, b: 20 }, height: 400, xaxis: { tickangle: -40, automargin: true }, yaxis: { title: { text: t("score") } } });
  const years = D().years.filter((y) => D().quintiles[String(y)]);
  const band = (key, color, name) => {
    const q = years.map((y) => (D().quintiles[String(y)] || {})[key] || [null, null, null, null]);
    return [0, 1, 2, 3].map((i) => ({ type: "scatter", mode: "lines", x: years.map(String), y: q.map((v) => v[i]),
      line: { color, width: 1, dash: i % 3 === 0 ? "dot" : "solid" }, name: `${name} P${(i + 1) * 20}`, hoverinfo: "y+name" }));
  };
  const quint = band("all", COLORS.grey, t("nation"));
  const est = estRow();
  if (est) {
    if (est[2]) quint.push(...band(est[2], COLORS.light, names[est[2]] || est[2]));
    const own = D().scores.filter((r) => r[0] === Number(state.est));
    quint.push({ type: "scatter", mode: "lines+markers", x: own.map((r) => String(r[1])), y: own.map((r) => r[2]),
      line: { color: COLORS.accent, width: 3 }, name: short(est[1], 30), hoverinfo: "y+name" });
  }
  draw("s-quint", quint, { height: 360, showlegend: true, legend: { orientation: "h", font: { size: 9 } }, xaxis: { type: "category" },
    yaxis: { title: { text: t("score") } },
    annotations: est ? [] : [{ text: t("choose_est"), xref: "paper", yref: "paper", x: 0.5, y: 1, showarrow: false, font: { color: COLORS.accent } }] });
}
function table(el, columns, rows) {
  const head = `<tr>${columns.map((c) => `<th>${c[1]}</th>`).join("")}</tr>`;
  const body = rows.map((r) => `<tr>${columns.map((c) => `<td class="${c[2] ? c[2](r) : ""}">${escapeHtml(c[3] ? c[3](r) : r[c[0]])}</td>`).join("")}</tr>`).join("");
  el.innerHTML = `<table>${head}${body}</table>`;
}
function escapeHtml(v) {
  return String(v === null || v === undefined ? "" : v).replace(/[&<>"]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" }[c]));
}
function renderQuality() {
  const q = P.quality;
  const S = UI[state.lang].statuses;
  table(document.getElementById("q-checks"), [
    ["status", t("status"), (r) => `status-${r.status.replace(" ", "-")}`, (r) => S[r.status]], ["asset", t("asset")], ["check", t("check")],
    ["description", t("description")], ["at", t("when")],
  ], q.checks.slice().sort((a, b) => ["failed", "warned", "not run", "passed"].indexOf(a.status) - ["failed", "warned", "not run", "passed"].indexOf(b.status)));
  const loads = q.loads.slice(0, 25).reverse();
  draw("q-rejects", [
    { type: "bar", orientation: "h", y: loads.map((r) => short(r.file, 48)), x: loads.map((r) => r.rejects), marker: { color: COLORS.accent },
      text: loads.map((r) => `${fmtCount(r.rejects)} / ${fmtCount(r.lines_read)}`), textposition: "auto", hoverinfo: "y+text" },
  ], { margin: { l: 330, r: 20, t: 10, b: 40 }, height: Math.max(300, 22 * loads.length + 60), xaxis: { title: { text: t("rejects") } } });
  table(document.getElementById("q-fresh"), [
    ["source", t("source")], ["files", t("files")], ["latest_year", t("latest_year")], ["received_at", t("latest")],
    ["age_days", t("age"), null, (r) => fmtScore(r.age_days)],
  ], q.fresh);
}
function renderLatency() {
  const h = P.latency.history;
  const groups = {};
  for (const r of h) (groups[`${r.query} · ${r.layout}`] = groups[`${r.query} · ${r.layout}`] || []).push(r);
  const traces = Object.entries(groups).map(([name, rows]) => ({
    type: "scatter", mode: "lines+markers", name, x: rows.map((r) => r.run_at), y: rows.map((r) => r.p50_ms), hoverinfo: "x+y+name",
  }));
  draw("r-lat", traces.length ? traces : [{ type: "scatter", x: [], y: [] }], {
    height: 420, showlegend: traces.length > 0, legend: { font: { size: 9 } }, xaxis: { visible: traces.length > 0 },
    yaxis: { title: { text: "p50 (ms)" }, type: traces.length ? "log" : "linear", visible: traces.length > 0 },
    annotations: traces.length ? [] : [{ text: t("no_history"), xref: "paper", yref: "paper", x: 0.5, y: 0.5, showarrow: false }] });
  table(document.getElementById("r-queries"), [["name", t("query")], ["title", "", null, (r) => r.title], ["numerator", t("numerator")], ["denominator", t("denominator")]], P.latency.queries);
}
const RENDER = { overview: renderOverview, consultations: renderConsultations, hospitalisations: renderHospitalisations,
  deaths: renderDeaths, satisfaction: renderSatisfaction, quality: renderQuality, latency: renderLatency };

/* ---------- text, filters, navigation ---------- */
function narrative(page) {
  if (page === "quality") return P.quality.narr[state.lang];
  if (page === "latency") return P.latency.narr[state.lang];
  const texts = P.narr[state.lang][`${currentRange()}|${groupScope()}`];
  const text = texts ? texts[page] : "";
  return state.est !== "" ? `${text} (${t("region_note")})` : text;
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
  document.getElementById("generated").textContent = `${t("generated")} ${P.meta.generated}`;
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
  document.getElementById("est-note").hidden = state.est === "" || !["consultations", "hospitalisations"].includes(state.page);
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
  state.to = years[years.length - 1];
  state.from = years.includes(state.to) ? state.to : years[0];
  bind();
  renderText();
  show("overview");
}
main();
