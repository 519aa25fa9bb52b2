// 派单: preview a plan for a region and dates → a confirmation that says what will be offered
// to whom → commit. Unfilled demands are listed with their reasons beside the map.
import { COMMIT, PREVIEW, mutate } from "./api.js";
import { addDays, atChina, validDay, ymd, ymdHm } from "./dates.js";
import { label, t } from "./i18n.js";

const $ = (id) => document.getElementById(id);
const esc = (s) => String(s ?? "").replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`);
const EMPTY = { type: "FeatureCollection", features: [] };

// The region and dates to plan, or an error message to show.
export function scope() {
  const region = $("city").value || $("province").value;
  const regionName = ($("city").value ? $("city") : $("province")).selectedOptions[0]?.text;
  if (!region) return { error: t("noRegion") };
  const fromText = $("from").value.trim();
  const toText = $("to").value.trim();
  if (!fromText || !toText) return { error: t("noDate") };
  const from = validDay(fromText);
  const to = validDay(toText);
  if (!from || !to) return { error: t("badDate") };
  if (to < from) return { error: t("dateOrder") };
  return { region, regionName, from, to };
}

export function showScope() {
  const s = scope();
  $("scope-hint").textContent = s.error
    ?? t("scope", { region: s.regionName, from: s.from, to: s.to });
  $("scope-hint").classList.toggle("error", Boolean(s.error));
  $("preview").disabled = Boolean(s.error);
}

export function defaultDates() {
  $("from").value = ymd();
  $("to").value = addDays(ymd(), 6);
}

function unfilledPoint(u) {
  return { type: "Feature", properties: { missing: u.missing, code: u.code, demand: u.demand.id,
    title: u.demand.title, reason: label("unfilledReason", u.code) },
  geometry: { type: "Point", coordinates: [u.demand.location.lon, u.demand.location.lat] } };
}

function listUnfilled(map, plan) {
  const list = $("unfilled-list");
  list.replaceChildren();
  for (const u of plan.unfilled) {
    const li = document.createElement("li");
    li.innerHTML = `<b>${esc(u.demand?.title ?? "—")}</b> · ${esc(u.demand ? ymdHm(u.demand.startsAt) : "")}
      · ${t("unfilled")} ${u.missing} ${t("person")}<br><span class="reason" data-code="${esc(u.code)}">${esc(label("unfilledReason", u.code))}</span>`;
    if (u.demand?.location) {
      li.classList.add("clickable");
      li.addEventListener("click", () => map.jumpTo({
        center: [u.demand.location.lon, u.demand.location.lat], zoom: Math.max(map.getZoom(), 11) }));
    }
    list.append(li);
  }
  if (!plan.unfilled.length) list.innerHTML = `<li>${t("noUnfilled")}</li>`;
  $("unfilled-box").hidden = false;
}

export async function preview(map, state) {
  const s = scope();
  const box = $("plan");
  if (s.error) {
    box.textContent = s.error;
    return;
  }
  box.textContent = "…";
  $("commit").disabled = true;
  try {
    const { plan } = await mutate(PREVIEW, { region: s.region,
      from: atChina(s.from).toISOString(), to: atChina(addDays(s.to, 1)).toISOString() });
    state.plan = plan;
    map.getSource("lines").setData(plan.lines);
    map.getSource("unfilled").setData({ type: "FeatureCollection",
      features: plan.unfilled.filter((u) => u.demand?.location).map(unfilledPoint) });
    const st = plan.stats;
    box.innerHTML = `<p>${t("planFor")}: ${esc(s.regionName)} · ${s.from} – ${s.to}</p>
      <p class="filled">${t("filled")}: ${st.filledSlots} · ${t("unfilled")}: ${plan.unfilled.reduce((n, u) => n + u.missing, 0)}
      · ${t("distance")}: ${(st.totalDistanceM / 1000).toFixed(1)} ${t("km")}</p>`;
    listUnfilled(map, plan);
    $("commit").disabled = plan.assignments.length === 0;
  } catch (err) {
    box.textContent = err.message;
  }
}

// The confirmation: every offer (demand ← volunteer) the commit will make.
export function confirmPlan(state) {
  const plan = state.plan;
  if (!plan) return;
  const byDemand = new Map();
  for (const a of plan.assignments) {
    const key = a.demand?.id ?? "?";
    if (!byDemand.has(key)) byDemand.set(key, { demand: a.demand, names: [] });
    byDemand.get(key).names.push(a.volunteer?.name ?? "—");
  }
  const people = new Set(plan.assignments.map((a) => a.volunteer?.id)).size;
  $("confirm-text").textContent = t("confirmText",
    { people, offers: plan.assignments.length, demands: byDemand.size });
  const rows = [...byDemand.values()].map(({ demand, names }) => `<tr><td>${esc(demand?.title)}</td>
    <td>${esc(demand ? ymdHm(demand.startsAt) : "")}</td><td>${names.map(esc).join("、")}</td></tr>`);
  $("confirm-offers").innerHTML = rows.join("");
  $("confirm").showModal();
}

export async function commit(map, state, refresh) {
  if (!state.plan) return;
  $("commit").disabled = true;
  try {
    const done = await mutate(COMMIT, { id: state.plan.id });
    $("plan").insertAdjacentHTML("beforeend",
      `<p class="committed" data-offered="${done.offered}">${t("offered")}: ${done.offered} · ${t("skipped")}: ${done.skipped.length}</p>`);
    state.committed = state.plan;
    state.plan = null;
    map.getSource("unfilled").setData(EMPTY);
    refresh();
  } catch (err) {
    $("plan").insertAdjacentHTML("beforeend", `<p class="error">${esc(err.message)}</p>`);
  }
}
