// The 看板's coverage screen: demand beyond every station's reach on the map, and where the
// next stations go (planCoverage, a maximal-covering model): its parameters (radius, N, the
// demand's period, weight, time limit, gap), the solve's progress against its time limit
// while the API works, the plan's sites with each one's marginal gain; a stored plan read
// again by its number (coveragePlan), the last one remembered in this browser.
import { gql, mutate } from "./api.js";
import { t } from "./i18n.js";
import * as ops from "./dashops.js";
import { drawCoverage } from "./dashmap.js";
import { $, apiText, esc } from "./ui.js";

const state = { code: null, map: null, timer: null };
const pct = (v) => (v === null || v === undefined ? "—" : `${(v * 100).toFixed(1)}%`);
const LAST = "hub.dash.lastPlan";

export const COVERAGE_HTML = `<form id="dash-plan" class="dash-grid">
    <label><span data-i18n="dashRadius"></span><input id="dash-plan-radius" type="number" step="any" min="0.1" max="200" value="5"></label>
    <label><span data-i18n="dashSites"></span><input id="dash-sites" type="number" min="1" max="200" value="5"></label>
    <label><span data-i18n="dashFrom"></span><input id="dash-plan-from" placeholder="YYYY-MM-DD"></label>
    <label><span data-i18n="dashTo"></span><input id="dash-plan-to" placeholder="YYYY-MM-DD"></label>
    <label><span data-i18n="dashWeight"></span><select id="dash-plan-weight"></select></label>
    <label><span data-i18n="dashTimeLimit"></span><input id="dash-plan-limit" type="number" min="1" max="120" value="20"></label>
    <label><span data-i18n="dashRelGap"></span><input id="dash-plan-gap" type="number" step="any" min="0" max="0.5" value="0"></label>
    <button type="submit" data-i18n="dashPlan"></button>
  </form>
  <div id="dash-plan-progress" hidden><progress max="1" value="0"></progress> <span></span></div>
  <p class="form-error" id="dash-plan-error"></p>
  <form id="dash-plan-reload" class="dash-grid">
    <label class="wide"><span data-i18n="dashPlanId"></span><input id="dash-plan-id" maxlength="36"></label>
    <button type="submit" data-i18n="dashReloadPlan"></button>
  </form>
  <p id="dash-coverage"></p>
  <p id="dash-plan-summary" class="note"></p>
  <ol id="dash-chosen" class="dash-chosen"></ol>`;

function showPlan(plan) {
  $("dash-chosen").innerHTML = (plan?.chosen ?? []).map((c) => `<li data-site="${c.site?.id}"
    data-lon="${c.site?.lon}" data-lat="${c.site?.lat}" data-gain="${c.gain}">
    <b>${esc(c.site?.name)}</b> · ${esc(t("dashGain"))} ${c.gain} · ${esc(t("dashReach"))} ${c.reach}
    · ${esc(t("dashOnlyHere"))} ${c.onlyHere}</li>`).join("");
  $("dash-plan-summary").textContent = plan ? t("dashPlanned", { id: plan.id, status: plan.status,
    covered: plan.covered, total: plan.total, gap: pct(plan.gap), radius: plan.radiusKm,
    sites: plan.sites }) : "";
  $("dash-plan-summary").dataset.plan = plan?.id ?? "";
}

// Demands beyond the radius (the plan's radius when one is shown) and the plan's sites.
async function load(plan) {
  if (!state.code) return;
  const radius = plan?.radiusKm ?? (Number($("dash-plan-radius").value) || 5);
  const { stationCoverage: cov } = await gql(ops.COVERAGE, { code: state.code, radius });
  $("dash-coverage").textContent = t("dashUncovered", { u: cov.uncovered, d: cov.demands, radius });
  $("dash-coverage").dataset.uncovered = String(cov.uncovered);
  if (state.map) drawCoverage(state.map, cov.uncoveredDemands, plan);
  showPlan(plan);
}

function progress(limit) {
  const box = $("dash-plan-progress");
  const started = performance.now();
  box.hidden = false;
  const tick = () => {
    const s = (performance.now() - started) / 1000;
    box.querySelector("progress").value = Math.min(s / limit, 1);
    box.querySelector("span").textContent = t("dashSolving", { s: s.toFixed(0), limit });
  };
  tick();
  clearInterval(state.timer);
  state.timer = setInterval(tick, 500);
  return () => {
    clearInterval(state.timer);
    box.hidden = true;
  };
}

async function plan(e) {
  e.preventDefault();
  $("dash-plan-error").textContent = "";
  const limit = Number($("dash-plan-limit").value) || 20;
  const done = progress(limit);
  try {
    const { plan: p } = await mutate(ops.PLAN_COVERAGE, { input: { regionCode: state.code,
      radiusKm: Number($("dash-plan-radius").value) || 5, sites: Number($("dash-sites").value) || 5,
      from: $("dash-plan-from").value.trim() || null, to: $("dash-plan-to").value.trim() || null,
      weight: $("dash-plan-weight").value, timeLimitS: limit,
      relativeGap: Number($("dash-plan-gap").value) || 0 } });
    localStorage.setItem(LAST, p.id);
    $("dash-plan-id").value = p.id;
    await load(p);
  } catch (err) {
    $("dash-plan-error").textContent = err.errors ? err.errors.map(apiText).join("；") : err.message;
  } finally {
    done();
  }
}

async function reload(e) {
  e.preventDefault();
  $("dash-plan-error").textContent = "";
  try {
    const { coveragePlan: p } = await gql(ops.STORED_PLAN, { id: $("dash-plan-id").value.trim() });
    if (!p) throw new Error(t("dashNoPlan"));
    for (const [id, v] of [["dash-plan-radius", p.radiusKm], ["dash-sites", p.sites]]) $(id).value = v;
    await load(p);
  } catch (err) {
    $("dash-plan-error").textContent = err.message;
  }
}

export function relabelCoverage() {
  const keep = $("dash-plan-weight").value || "DEMANDS";
  $("dash-plan-weight").innerHTML = ["DEMANDS", "SLOTS"].map((w) =>
    `<option value="${w}">${esc(t(`w_${w}`))}</option>`).join("");
  $("dash-plan-weight").value = keep;
}

export const coverage = {
  mount(map) {
    state.map = map;
    relabelCoverage();
    $("dash-plan").addEventListener("submit", plan);
    $("dash-plan-reload").addEventListener("submit", reload);
    $("dash-plan-id").value = localStorage.getItem(LAST) ?? "";
  },
  async load(code) {
    state.code = code;
    await load(null);
  },
};
