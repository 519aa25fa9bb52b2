// 看板 (dispatchers, admins), for the region picked (province → city → county, the caller's
// own by default) in six screens: 概览 — the pilot scorecards (each item's target, actual,
// pass/fail and the "why not" list) with a drill-down to the child regions, a map of the child
// regions for any measure (officeMeasures, and the 老少边贫 gap and station reach) with bars per
// child, and monthly trend lines of chosen measures, the region against its children
// (regionSeries; Chart.js, bundled); 覆盖选址 (src/dashcoverage.js); 评选 (src/rounds.js);
// 星级 (src/dashstars.js); 试点 (src/dashpilots.js); 主题活动 (src/dashcampaigns.js).
import { gql } from "./api.js";
import { addDays, ymd } from "./dates.js";
import { getLang, t } from "./i18n.js";
import { campaigns, CAMPAIGNS_HTML } from "./dashcampaigns.js";
import { chart, COLOURS } from "./dashchart.js";
import { coverage, COVERAGE_HTML, relabelCoverage } from "./dashcoverage.js";
import * as ops from "./dashops.js";
import { drawChoropleth, legendHtml, showDashLayers } from "./dashmap.js";
import { pilots, PILOTS_HTML } from "./dashpilots.js";
import { regionPicker } from "./dashregion.js";
import { starsPanel, STARS_HTML } from "./dashstars.js";
import { roundsPanel } from "./rounds.js";
import { $, claims, esc, option } from "./ui.js";

// Measures the API has no officeMeasure for, computed here as before.
const EXTRA = ["gap", "uncovered"];
const SUBS = ["overview", "coverage", "rounds", "stars", "pilots", "campaigns"];
const state = { trail: [], drill: null, ctx: null, measures: [], sub: "overview", loaded: {},
  picker: null };

const PANEL = `<h2 data-i18n="tabDashboard"></h2>
  <form id="dash-scope">
    <div id="dash-picker" class="dash-grid"></div>
    <div class="inline"><label><span data-i18n="dashAsOf"></span> <input id="dash-asof" placeholder="YYYY-MM-DD" size="10"></label>
    <button type="submit" data-i18n="dashLoad"></button>
    <button type="button" id="dash-up" data-i18n="dashUp" hidden></button></div>
  </form>
  <p class="form-error" id="dash-error"></p>
  <nav id="dash-subs" class="dash-subs">${SUBS.map((s) =>
    `<button type="button" data-sub="${s}" data-i18n="sub_${s}"></button>`).join("")}</nav>
  <section data-sub="overview">
  <h3 data-i18n="dashScorecards"></h3>
  <p id="dash-total"></p>
  <table class="dash-children"><thead><tr><th data-i18n="dashChildren"></th><th data-i18n="dashPilots"></th>
    <th data-i18n="dashItems"></th></tr></thead><tbody id="dash-children"></tbody></table>
  <div id="dash-cards"></div>
  <h3 data-i18n="dashMap"></h3>
  <form id="dash-map-form" class="dash-grid">
    <label class="wide"><span data-i18n="dashMeasure"></span><select id="dash-measure"></select></label>
    <label><span data-i18n="dashFrom"></span><input id="dash-from"></label>
    <label><span data-i18n="dashTo"></span><input id="dash-to"></label>
    <label id="dash-radius-field" hidden><span data-i18n="dashRadius"></span><input id="dash-radius" type="number" step="any" min="0.1" max="200" value="5"></label>
  </form>
  <div id="dash-legend" class="dash-legend"></div>
  <div class="dash-chart"><canvas id="dash-bars"></canvas></div>
  <h3 data-i18n="dashChart"></h3>
  <p class="note" data-i18n="dashChartNote"></p>
  <div id="dash-trend-pick" class="checks"></div>
  <p class="form-error" id="dash-trend-error"></p>
  <div id="dash-trends"></div>
  </section>
  <section data-sub="coverage" hidden><h3 data-i18n="dashCoverage"></h3>${COVERAGE_HTML}</section>
  <section data-sub="rounds" hidden><div id="dash-rounds"></div></section>
  <section data-sub="stars" hidden><h3 data-i18n="sub_stars"></h3>${STARS_HTML}</section>
  <section data-sub="pilots" hidden><h3 data-i18n="sub_pilots"></h3>${PILOTS_HTML}</section>
  <section data-sub="campaigns" hidden>${CAMPAIGNS_HTML}</section>`;

const region = () => state.trail.at(-1);
const info = (m) => state.measures.find((x) => x.measure === m);
const measureLabel = (m) => (info(m) ? (getLang() === "zh" ? info(m).labelZh : info(m).labelEn)
  : t(`m_${m}`));

function format(m) {
  if (m === "gap") return (v) => `${(v * 100).toFixed(0)} pt`;
  const unit = info(m)?.unit ?? "%";
  if (unit === "%") return (v) => `${(v * 100).toFixed(0)}%`;
  return (v) => `${Number.isInteger(v) ? v : v.toFixed(1)} ${unit}`;
}

function itemHtml(item) {
  const words = getLang() === "zh" ? item.labelZh : item.labelEn;
  return `<tr class="${item.passed ? "pass" : "fail"}" data-item="${esc(item.item)}"><td>${esc(words)}</td>
    <td>${item.target}</td><td>${item.actual}</td><td>${esc(t(item.passed ? "dashPassed" : "dashFailed"))}</td></tr>
    ${item.entryCount ? `<tr><td colspan="4"><details class="why-not"><summary>${esc(t("dashWhyNot",
      { n: item.entryCount }))}</summary><ul></ul></details></td></tr>` : ""}`;
}

// A "why not" list opened: the pilot's entries that do not count, with the reason.
async function whyNot(details) {
  const list = details.querySelector("ul");
  if (!details.open || list.children.length) return;
  const pilot = details.closest("[data-pilot]").dataset.pilot;
  const item = details.closest("tr").previousElementSibling.dataset.item;
  try {
    const [card] = (await gql(ops.WHY_NOT, { id: pilot, asOf: $("dash-asof").value || null })).scorecard;
    const entries = card?.items.find((i) => i.item === item)?.entries ?? [];
    list.innerHTML = entries.map((e) => `<li>${esc(e.name)}：${esc(getLang() === "zh"
      ? e.reasonZh : e.reasonEn)}</li>`).join("");
  } catch (err) {
    list.innerHTML = `<li class="error">${esc(err.message)}</li>`;
  }
}

function cardHtml(card) {
  return `<article class="scorecard ${card.passed ? "pass" : "fail"}" data-pilot="${esc(card.pilot.id)}">
    <h4>${esc(card.pilot.name)} · ${esc(t(card.passed ? "dashPassed" : "dashFailed"))}</h4>
    <p class="note">${esc(t("dashPeriod", { from: card.startsOn, to: addDays(card.endsOn, -1),
      judged: card.judgedOn }))}</p>
    <table><thead><tr><th>${esc(t("dashItem"))}</th><th>${esc(t("dashTarget"))}</th>
      <th>${esc(t("dashActual"))}</th><th></th></tr></thead><tbody>${card.items.map(itemHtml).join("")}</tbody></table>
  </article>`;
}

function showScorecards() {
  const d = state.drill;
  if (!d) return;
  const s = d.total;
  $("dash-total").textContent = t("dashTotal", { name: s.regionName, pp: s.pilotsPassed,
    p: s.pilots, ip: s.itemsPassed, i: s.items });
  $("dash-children").innerHTML = d.children.map((c) => `<tr data-code="${esc(c.regionCode)}">
    <td><a href="#">${esc(c.regionName)}</a></td><td>${c.pilotsPassed}/${c.pilots}</td>
    <td>${c.itemsPassed}/${c.items}</td></tr>`).join("");
  $("dash-cards").innerHTML = d.scorecards.length ? d.scorecards.map(cardHtml).join("")
    : `<p class="note">${esc(t("dashNoPilots"))}</p>`;
  $("dash-up").hidden = state.trail.length < 2;
}

const period = () => ({ from: $("dash-from").value.trim(), to: $("dash-to").value.trim() });

// Each child region's value of the measure chosen: [{code, name, value}].
async function measureValues(measure) {
  const children = state.drill.children.map((c) => ({ code: c.regionCode, name: c.regionName }));
  if (measure === "uncovered") {
    const { stationCoverage: cov } = await gql(ops.COVERAGE, { code: region(),
      radius: Number($("dash-radius").value) || 5 });
    const by = new Map(cov.byRegion.map((r) => [r.regionCode, r]));
    return children.map((x) => {
      const r = by.get(x.code);
      return { ...x, value: r?.demands ? r.uncovered / r.demands : null };
    });
  }
  if (measure === "gap") {
    return Promise.all(children.slice(0, 60).map(async (x) => {
      const { equity } = await gql(ops.EQUITY, { code: x.code, ...period() });
      return { ...x, value: equity.overall.fillRateGap ?? null };
    }));
  }
  const { regionMeasure: m } = await gql(ops.REGION_MEASURE, { code: region(), measure, ...period() });
  return m.children.map((c) => ({ code: c.regionCode, name: c.regionName, value: c.value }));
}

async function drawMeasure() {
  if (!state.drill || !state.ctx.map) return;
  const measure = $("dash-measure").value;
  $("dash-radius-field").hidden = measure !== "uncovered";
  $("dash-error").textContent = "";
  try {
    const values = await measureValues(measure);
    const range = drawChoropleth(state.ctx.map, values);
    $("dash-legend").innerHTML = legendHtml(measureLabel(measure), range, format(measure));
    $("dash-legend").dataset.drawn = String(range.drawn);
    Object.assign($("dash-legend").dataset, { measure, min: range.min, max: range.max });
    chart($("dash-bars"), "bar", values.map((v) => v.name), [{ label: measureLabel(measure),
      data: values.map((v) => v.value), backgroundColor: "#2171b5" }]);
  } catch (err) {
    $("dash-error").textContent = err.message;
  }
}

// Monthly lines of each measure ticked: the region (thick) against each child region.
async function drawTrends() {
  const picked = [...$("dash-trend-pick").querySelectorAll("input:checked")].map((i) => i.value);
  const box = $("dash-trends");
  $("dash-trend-error").textContent = "";
  if (!state.drill || !picked.length) {
    box.innerHTML = "";
    return;
  }
  try {
    const areas = [{ code: region(), name: state.drill.total.regionName, own: true },
      ...state.drill.children.slice(0, COLOURS.length - 1).map((c) => ({ code: c.regionCode,
        name: c.regionName }))];
    const found = await Promise.all(areas.map((a) => gql(ops.REGION_SERIES, { code: a.code,
      measures: picked, ...period() }).then((d) => d.regionSeries)));
    box.innerHTML = picked.map((m) => `<h4>${esc(measureLabel(m))}（${esc(info(m)?.unit ?? "")}）</h4>
      <div class="dash-chart trend"><canvas data-measure="${m}"></canvas></div>`).join("");
    const months = found[0].months.map((d) => d.slice(0, 7));
    for (const m of picked) {
      const canvas = box.querySelector(`canvas[data-measure="${m}"]`);
      canvas.dataset.values = JSON.stringify(found[0].series.find((s) => s.measure.measure === m).values);
      chart(canvas, "line", months, areas.map((a, i) => ({
        label: a.name, data: found[i].series.find((s) => s.measure.measure === m).values,
        borderColor: COLOURS[i], backgroundColor: COLOURS[i], borderWidth: a.own ? 3 : 1,
        pointRadius: a.own ? 2 : 0 })));
    }
    box.dataset.drawn = picked.join(",");
  } catch (err) {
    $("dash-trend-error").textContent = err.message;
  }
}

function showSub(name) {
  state.sub = name;
  for (const b of $("dash-subs").querySelectorAll("button")) {
    b.setAttribute("aria-selected", String(b.dataset.sub === name));
  }
  for (const s of $("tab-dashboard").querySelectorAll("section[data-sub]")) s.hidden = s.dataset.sub !== name;
  if (state.ctx.map) showDashLayers(state.ctx.map, true);
  return loadSub();
}

// The screen shown, for the region shown (each screen loads once per region).
async function loadSub() {
  const code = region();
  if (!code || state.loaded[state.sub] === code) return;
  state.loaded[state.sub] = code;
  const name = state.drill?.total.regionName;
  const load = { overview: () => Promise.all([drawMeasure(), drawTrends()]),
    coverage: () => coverage.load(code), rounds: () => roundsPanel.load($("dash-rounds"), code),
    stars: () => starsPanel.load(code), pilots: () => pilots.load(code, name),
    campaigns: () => campaigns.load(code) }[state.sub];
  try {
    await load();
  } catch (err) {
    $("dash-error").textContent = err.message;
  }
}

async function load(code, push = true) {
  $("dash-error").textContent = "";
  try {
    const { scorecards } = await gql(ops.SCORECARDS, { code, asOf: $("dash-asof").value || null });
    if (push) state.trail.push(code);
    state.drill = scorecards;
    state.loaded = {};
    showScorecards();
    await Promise.all([state.picker.set(code), loadSub()]);
  } catch (err) {
    $("dash-error").textContent = err.message;
  }
}

function relabel(section) {
  for (const el of section.querySelectorAll("[data-i18n]")) el.textContent = t(el.dataset.i18n);
  const keep = $("dash-measure").value;
  const all = [...state.measures.map((m) => m.measure), ...EXTRA];
  $("dash-measure").replaceChildren(...all.map((m) => option(m, measureLabel(m))));
  $("dash-measure").value = keep || all[0];
  const ticked = new Set([...$("dash-trend-pick").querySelectorAll("input:checked")].map((i) => i.value));
  if (!$("dash-trend-pick").children.length) ["SERVICE_HOURS", "ACTIVE_VOLUNTEERS"].forEach((m) => ticked.add(m));
  $("dash-trend-pick").innerHTML = state.measures.map((m) => `<label><input type="checkbox"
    value="${m.measure}"${ticked.has(m.measure) ? " checked" : ""}>${esc(measureLabel(m.measure))}</label>`).join("");
  relabelCoverage();
  state.picker?.relabel();
}

// Twelve months to date: from the first day of the month eleven months ago, to tomorrow.
function lastYear() {
  const today = ymd();
  const [y, m] = today.split("-").map(Number);
  const start = new Date(Date.UTC(y, m - 12, 1)).toISOString().slice(0, 10);
  return { from: start, to: addDays(today, 1) };
}

export const dashboardPanel = {
  async mount(section, ctx) {
    state.ctx = ctx;
    section.innerHTML = PANEL;
    state.picker = regionPicker($("dash-picker"), (code) => {
      state.trail = [];
      load(code);
    });
    try {
      ({ officeMeasures: state.measures } = await gql(ops.OFFICE_MEASURES));
    } catch (err) {
      $("dash-error").textContent = err.message;
    }
    relabel(section);
    Object.entries(lastYear()).forEach(([k, v]) => { $(`dash-${k}`).value = v; });
    $("dash-scope").addEventListener("submit", (e) => {
      e.preventDefault();
      state.trail = [];
      load(state.picker.value() || claims().region);
    });
    $("dash-up").addEventListener("click", () => {
      state.trail.pop();
      load(region(), false);
    });
    $("dash-children").addEventListener("click", (e) => {
      const row = e.target.closest("tr[data-code]");
      if (!row) return;
      e.preventDefault();
      load(row.dataset.code);
    });
    $("dash-subs").addEventListener("click", (e) => {
      const b = e.target.closest("button[data-sub]");
      if (b) showSub(b.dataset.sub);
    });
    for (const id of ["dash-measure", "dash-radius"]) $(id).addEventListener("change", drawMeasure);
    for (const id of ["dash-from", "dash-to"]) {
      $(id).addEventListener("change", () => Promise.all([drawMeasure(), drawTrends()]));
    }
    $("dash-trend-pick").addEventListener("change", drawTrends);
    $("dash-cards").addEventListener("toggle", (e) => whyNot(e.target), true);
    await state.picker.set(null);
    coverage.mount(ctx.map);
    starsPanel.mount();
    pilots.mount();
    await campaigns.mount();
    showSub("overview");
  },
  async open(section, ctx) {
    showDashLayers(ctx.map, true);
    const code = claims().region;
    if (!state.trail.length && code) await load(code);
  },
  close: (ctx) => showDashLayers(ctx.map, false),
  relabel(section) {
    relabel(section);
    showScorecards();
    campaigns.relabel();
    state.loaded = {};
    loadSub();
  },
};
