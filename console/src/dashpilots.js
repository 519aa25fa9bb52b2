// The 看板's pilots (试点): every pilot in the region's subtree with its type, funding date,
// period, quota set (each item's target) and whether it passes as of today; a new pilot for
// the region picked (createPilot) and a pilot's name, funding date or quota set changed
// (updatePilot, only what changed is sent); the API's refusals beside the form.
import { gql, mutate } from "./api.js";
import { addDays } from "./dates.js";
import { getLang, t } from "./i18n.js";
import * as ops from "./dashops.js";
import { $, apiText, esc, option } from "./ui.js";

const state = { code: null, sets: [], cards: [] };

export const PILOTS_HTML = `<p id="dash-pilots-total" class="note"></p>
  <div id="dash-pilots"></div>
  <h3 data-i18n="dashNewPilot"></h3>
  <form id="dash-pilot-new" class="dash-grid">
    <label><span data-i18n="dashPilotRegion"></span><output id="dash-pilot-region"></output></label>
    <label><span data-i18n="dashFundedOn"></span><input name="fundedOn" placeholder="YYYY-MM-DD"></label>
    <label class="wide"><span data-i18n="dashPilotName"></span><input name="name" maxlength="200"></label>
    <label><span data-i18n="dashQuotaSet"></span><select name="quotaSet"></select></label>
    <button type="submit" data-i18n="dashCreatePilot"></button>
  </form>
  <p class="form-error" id="dash-pilot-error"></p>`;

const fail = (el, err) => {
  el.textContent = err.errors ? err.errors.map(apiText).join("；") : err.message;
};

function quotaText(setCode, type) {
  const set = state.sets.find((s) => s.code === setCode);
  const items = (set?.quotas ?? []).filter((q) => q.pilotType === type);
  return items.map((q) => `${t(`q_${q.item}`)} ≥ ${q.target}${q.minMembers ? t("dashMinMembers",
    { n: q.minMembers }) : ""}${q.sixStandard ? t("dashSixStandard") : ""}`).join(getLang() === "zh" ? "，" : ", ");
}

function setOptions(select, keep) {
  select.replaceChildren(...state.sets.map((s) => option(s.code, `${s.name} (${s.code})`)));
  if (keep) select.value = keep;
}

function pilotHtml(c) {
  const p = c.pilot;
  const passed = c.items.filter((i) => i.passed).length;
  return `<article class="scorecard ${c.passed ? "pass" : "fail"}" data-pilot-id="${esc(p.id)}">
    <h4>${esc(p.name)}</h4>
    <dl><dt>${esc(t("dashPilotRegion"))}</dt><dd>${esc(p.regionName)} · ${esc(t(`pt_${p.pilotType}`))}</dd>
      <dt>${esc(t("dashFundedOn"))}</dt><dd class="funded">${esc(p.fundedOn)}</dd>
      <dt>${esc(t("dashPeriodShort"))}</dt><dd>${esc(c.startsOn)} – ${esc(addDays(c.endsOn, -1))}</dd>
      <dt>${esc(t("dashQuotaSet"))}</dt><dd>${esc(p.quotaSet)}：${esc(quotaText(p.quotaSet, p.pilotType))}</dd>
      <dt>${esc(t("dashItems"))}</dt><dd class="items">${passed}/${c.items.length} · ${esc(t(c.passed ? "dashPassed" : "dashFailed"))}</dd></dl>
    <details class="edit"><summary>${esc(t("dashEditPilot"))}</summary>
      <form class="dash-grid"><label class="wide"><span>${esc(t("dashPilotName"))}</span><input name="name" maxlength="200"></label>
        <label><span>${esc(t("dashFundedOn"))}</span><input name="fundedOn" placeholder="YYYY-MM-DD"></label>
        <label><span>${esc(t("dashQuotaSet"))}</span><select name="quotaSet"></select></label>
        <button type="submit">${esc(t("dashSave"))}</button></form><p class="form-error"></p></details>
  </article>`;
}

function wireEdit(article, card) {
  const form = article.querySelector("form");
  const p = card.pilot;
  form.elements.name.value = p.name;
  form.elements.fundedOn.value = p.fundedOn;
  setOptions(form.elements.quotaSet, p.quotaSet);
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    const input = { pilotId: p.id };
    for (const f of ["name", "fundedOn", "quotaSet"]) {
      const v = form.elements[f].value.trim();
      if (v !== p[f]) input[f] = v;
    }
    try {
      await mutate(ops.UPDATE_PILOT, { input });
      await load();
    } catch (err) {
      fail(article.querySelector(".form-error"), err);
    }
  });
}

async function load() {
  if (!state.code) return;
  const { scorecard, pilotQuotaSets } = await gql(ops.PILOTS, { code: state.code });
  state.sets = pilotQuotaSets;
  state.cards = scorecard;
  $("dash-pilot-region").textContent = state.name ?? state.code;
  setOptions($("dash-pilot-new").elements.quotaSet, $("dash-pilot-new").elements.quotaSet.value);
  $("dash-pilots-total").textContent = t("dashPilotCount", { n: scorecard.length,
    pp: scorecard.filter((c) => c.passed).length });
  $("dash-pilots").innerHTML = scorecard.length ? scorecard.map(pilotHtml).join("")
    : `<p class="note">${esc(t("dashNoPilots"))}</p>`;
  for (const c of scorecard) wireEdit($("dash-pilots").querySelector(`[data-pilot-id="${c.pilot.id}"]`), c);
}

async function create(e) {
  e.preventDefault();
  const form = e.target;
  $("dash-pilot-error").textContent = "";
  try {
    await mutate(ops.CREATE_PILOT, { input: { regionCode: state.code,
      fundedOn: form.elements.fundedOn.value.trim(), name: form.elements.name.value.trim() || null,
      quotaSet: form.elements.quotaSet.value || null } });
    form.reset();
    await load();
  } catch (err) {
    fail($("dash-pilot-error"), err);
  }
}

export const pilots = {
  mount() {
    $("dash-pilot-new").addEventListener("submit", create);
  },
  async load(code, name) {
    Object.assign(state, { code, name });
    try {
      await load();
    } catch (err) {
      $("dash-pilot-error").textContent = err.message;
    }
  },
  relabel: () => load().catch(() => {}),
};
