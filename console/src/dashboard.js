// 看板 (dispatchers, admins): the caller's region's pilot scorecards (each item's target,
// actual, pass/fail and the "why not" list) with a drill-down to the child regions; a map of the
// child regions for a chosen measure (src/dashmap.js); bars of that measure per child region and
// a campaign's figures per edition (Chart.js, bundled); the coverage map with a plan's sites;
// the recognition rounds (src/rounds.js).
import { BarController, BarElement, CategoryScale, Chart, Legend, LineController, LineElement,
  LinearScale, PointElement, Tooltip } from "chart.js";
import { gql, mutate } from "./api.js";
import { addDays, ymd } from "./dates.js";
import { getLang, t } from "./i18n.js";
import * as ops from "./dashops.js";
import { drawChoropleth, drawCoverage, legendHtml, showDashLayers } from "./dashmap.js";
import { roundsPanel } from "./rounds.js";
import { $, apiText, claims, esc, option } from "./ui.js";

Chart.register(BarController, BarElement, CategoryScale, LinearScale, LineController,
  LineElement, PointElement, Legend, Tooltip);
const MEASURES = ["passRate", "priorityFill", "gap", "uncovered"];
const SERIES = ["hours", "volunteers", "activities", "demands"];
const state = { trail: [], drill: null, charts: {}, ctx: null };

const PANEL = `<h2 data-i18n="tabDashboard"></h2>
  <form id="dash-scope" class="inline">
    <label><span data-i18n="dashRegion"></span> <input id="dash-region" maxlength="12" size="12"></label>
    <label><span data-i18n="dashAsOf"></span> <input id="dash-asof" placeholder="YYYY-MM-DD" size="10"></label>
    <button type="submit" data-i18n="dashLoad"></button>
    <button type="button" id="dash-up" data-i18n="dashUp" hidden></button>
  </form>
  <p class="form-error" id="dash-error"></p>
  <h3 data-i18n="dashScorecards"></h3>
  <p id="dash-total"></p>
  <table class="dash-children"><thead><tr><th data-i18n="dashChildren"></th><th data-i18n="dashPilots"></th>
    <th data-i18n="dashItems"></th></tr></thead><tbody id="dash-children"></tbody></table>
  <div id="dash-cards"></div>
  <h3 data-i18n="dashMap"></h3>
  <form id="dash-map-form" class="inline">
    <label><span data-i18n="dashMeasure"></span> <select id="dash-measure"></select></label>
    <label><span data-i18n="dashFrom"></span> <input id="dash-from" size="10"></label>
    <label><span data-i18n="dashTo"></span> <input id="dash-to" size="10"></label>
    <label><span data-i18n="dashRadius"></span> <input id="dash-radius" type="number" step="any" min="0.1" max="200" value="5" size="4"></label>
  </form>
  <div id="dash-legend" class="dash-legend"></div>
  <h3 data-i18n="dashChart"></h3>
  <p class="note" data-i18n="dashChartNote"></p>
  <div class="dash-chart"><canvas id="dash-bars"></canvas></div>
  <label><span data-i18n="dashCampaign"></span> <select id="dash-campaign"></select></label>
  <p class="note" id="dash-campaign-note"></p>
  <div class="dash-chart"><canvas id="dash-line"></canvas></div>
  <h3 data-i18n="dashCoverage"></h3>
  <form id="dash-plan" class="inline">
    <label><span data-i18n="dashSites"></span> <input id="dash-sites" type="number" min="1" max="200" value="5" size="3"></label>
    <button type="submit" data-i18n="dashPlan"></button>
  </form>
  <p class="form-error" id="dash-plan-error"></p>
  <p id="dash-coverage"></p>
  <ol id="dash-chosen" class="dash-chosen"></ol>
  <div id="dash-rounds"></div>`;

const pct = (v) => (v === null || v === undefined ? "—" : `${(v * 100).toFixed(0)}%`);
const region = () => state.trail.at(-1);

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

// Each child region's value of the measure chosen: [{code, name, value}].
async function measureValues(measure) {
  const children = state.drill.children.map((c) => ({ code: c.regionCode, name: c.regionName, c }));
  if (measure === "passRate") {
    return children.map((x) => ({ ...x, value: x.c.items ? x.c.itemsPassed / x.c.items : null }));
  }
  if (measure === "uncovered") {
    const { stationCoverage: cov } = await gql(ops.COVERAGE, { code: region(),
      radius: Number($("dash-radius").value) || 5 });
    const by = new Map(cov.byRegion.map((r) => [r.regionCode, r]));
    return children.map((x) => {
      const r = by.get(x.code);
      return { ...x, value: r?.demands ? r.uncovered / r.demands : null };
    });
  }
  const vars = { from: $("dash-from").value, to: $("dash-to").value };
  return Promise.all(children.slice(0, 60).map(async (x) => {
    const { equity } = await gql(ops.EQUITY, { code: x.code, ...vars });
    const value = measure === "gap" ? equity.overall.fillRateGap : equity.overall.priority.fillRate;
    return { ...x, value: value ?? null };
  }));
}

async function drawMeasure() {
  if (!state.drill || !state.ctx.map) return;
  const measure = $("dash-measure").value;
  $("dash-error").textContent = "";
  try {
    const values = await measureValues(measure);
    const range = drawChoropleth(state.ctx.map, values);
    const format = measure === "gap" ? (v) => `${(v * 100).toFixed(0)} pt` : pct;
    $("dash-legend").innerHTML = legendHtml(t(`m_${measure}`), range, format);
    $("dash-legend").dataset.drawn = String(range.drawn);
    chart("bars", "bar", values.map((v) => v.name), [{ label: t(`m_${measure}`),
      data: values.map((v) => v.value), backgroundColor: "#2171b5" }]);
  } catch (err) {
    $("dash-error").textContent = err.message;
  }
}

function chart(name, type, labels, datasets) {
  state.charts[name]?.destroy();
  state.charts[name] = new Chart($(`dash-${name}`), { type, data: { labels, datasets },
    options: { animation: false, responsive: true, maintainAspectRatio: false,
      plugins: { legend: { display: datasets.length > 1 || type === "line" } } } });
}

async function drawCampaign() {
  if (!region()) return;
  const code = $("dash-campaign").value;
  const campaign = state.campaigns?.find((c) => c.code === code);
  const editions = [...(campaign?.editions ?? [])].sort((a, b) => a.year - b.year);
  $("dash-campaign-note").textContent = editions.length ? "" : t("dashNoEditions");
  const stats = await Promise.all(editions.map((e) =>
    gql(ops.CAMPAIGN_STATS, { id: e.id, code: region() }).then((d) => d.campaignStats)));
  const colours = ["#d7301f", "#2171b5", "#1a9850", "#984ea3"];
  chart("line", "line", stats.map((s) => String(s.edition.year)), SERIES.map((k, i) => ({
    label: t(`s_${k}`), data: stats.map((s) => Number(s[k])), borderColor: colours[i],
    backgroundColor: colours[i] })));
}

async function loadCampaigns() {
  try {
    const { campaigns } = await gql(ops.CAMPAIGNS);
    state.campaigns = campaigns;
    const keep = $("dash-campaign").value;
    $("dash-campaign").replaceChildren(...campaigns.map((c) =>
      option(c.code, getLang() === "zh" ? c.nameZh : c.nameEn)));
    const withEditions = campaigns.find((c) => c.editions.length);
    $("dash-campaign").value = keep || withEditions?.code || campaigns[0]?.code || "";
    await drawCampaign();
  } catch (err) {
    $("dash-campaign-note").textContent = err.message;
  }
}

async function load(code, push = true) {
  $("dash-error").textContent = "";
  try {
    const { scorecards } = await gql(ops.SCORECARDS, { code, asOf: $("dash-asof").value || null });
    if (push) state.trail.push(code);
    state.drill = scorecards;
    $("dash-region").value = code;
    showScorecards();
    await Promise.all([drawMeasure(), drawCampaign(), loadCoverage(null),
      roundsPanel.load($("dash-rounds"), code)]);
  } catch (err) {
    $("dash-error").textContent = err.message;
  }
}

async function loadCoverage(plan) {
  const { stationCoverage: cov } = await gql(ops.COVERAGE, { code: region(),
    radius: Number($("dash-radius").value) || 5 });
  $("dash-coverage").textContent = t("dashUncovered", { u: cov.uncovered, d: cov.demands });
  if (state.ctx.map) drawCoverage(state.ctx.map, cov.uncoveredDemands, plan);
  $("dash-chosen").innerHTML = (plan?.chosen ?? []).map((c) => `<li data-site="${c.site?.id}" data-lon="${c.site?.lon}"
    data-lat="${c.site?.lat}" data-gain="${c.gain}">
    <b>${esc(c.site?.name)}</b> · ${esc(t("dashGain"))} ${c.gain} · ${esc(t("dashReach"))} ${c.reach}
    · ${esc(t("dashOnlyHere"))} ${c.onlyHere}</li>`).join("");
}

async function plan(e) {
  e.preventDefault();
  $("dash-plan-error").textContent = "";
  try {
    const { plan: p } = await mutate(ops.PLAN_COVERAGE, { input: { regionCode: region(),
      radiusKm: Number($("dash-radius").value) || 5, sites: Number($("dash-sites").value) || 5,
      timeLimitS: 20 } });
    await loadCoverage(p);
    $("dash-coverage").textContent += `；${t("dashPlanned", { id: p.id, status: p.status,
      covered: p.covered, total: p.total, gap: pct(p.gap) })}`;
  } catch (err) {
    $("dash-plan-error").textContent = err.errors ? err.errors.map(apiText).join("；") : err.message;
  }
}

function relabel(section) {
  for (const el of section.querySelectorAll("[data-i18n]")) el.textContent = t(el.dataset.i18n);
  const keep = $("dash-measure").value;
  $("dash-measure").replaceChildren(...MEASURES.map((m) => option(m, t(`m_${m}`))));
  $("dash-measure").value = keep || "passRate";
}

export const dashboardPanel = {
  async mount(section, ctx) {
    state.ctx = ctx;
    section.innerHTML = PANEL;
    relabel(section);
    $("dash-to").value = ymd();
    $("dash-from").value = addDays(ymd(), -365);
    $("dash-scope").addEventListener("submit", (e) => {
      e.preventDefault();
      state.trail = [];
      load($("dash-region").value.trim());
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
    for (const id of ["dash-measure", "dash-from", "dash-to", "dash-radius"]) {
      $(id).addEventListener("change", drawMeasure);
    }
    $("dash-campaign").addEventListener("change", drawCampaign);
    $("dash-cards").addEventListener("toggle", (e) => whyNot(e.target), true);
    $("dash-plan").addEventListener("submit", plan);
    await loadCampaigns();
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
    if (state.drill) drawMeasure();
  },
};
