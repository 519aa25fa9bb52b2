// A demand's details, its nearby candidates, and 派单 by hand to one of them.
import { CANDIDATES, DEMAND, HAND_DISPATCH, gql, mutate } from "./api.js";
import { ymdHm } from "./dates.js";
import { label, t } from "./i18n.js";

const $ = (id) => document.getElementById(id);
const esc = (s) => String(s ?? "").replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`);

export const demandId = (dbId) =>
  btoa(String.fromCharCode(...new TextEncoder().encode(`Demand:${dbId}`)));

// Offers made from this page (demand|volunteer), still shown as made when the details are
// drawn again (a live event redraws them).
const madeHere = new Set();

function markDone(button, name) {
  button.disabled = true;
  button.textContent = t("dispatched", { name });
  button.classList.add("done");
}

function candidateItem(demand, v, refresh) {
  const offerable = ["open", "dispatched"].includes(demand.status)
    && new Date(demand.startsAt) > new Date();
  const li = document.createElement("li");
  const name = document.createElement("span");
  name.textContent = `${v.name} · ${(v.distanceM / 1000).toFixed(1)} ${t("km")} · `
    + v.skills.map((s) => label("skill", s.skill)).join("、");
  const button = document.createElement("button");
  button.type = "button";
  button.className = "hand-dispatch";
  button.textContent = t("dispatchTo");
  button.addEventListener("click", async () => {
    if (!window.confirm(t("dispatchAsk", { name: v.name, title: demand.title }))) return;
    button.disabled = true;
    try {
      await mutate(HAND_DISPATCH, { demand: demand.id, volunteers: [v.id] });
      madeHere.add(`${demand.id}|${v.id}`);
      markDone(button, v.name);
      if (!button.isConnected) showDemand(demand.id, refresh);  // redrawn meanwhile
      refresh();
    } catch (err) {
      button.disabled = false;
      li.insertAdjacentHTML("beforeend", `<p class="error">${esc(err.message)}</p>`);
    }
  });
  li.append(name);
  if (madeHere.has(`${demand.id}|${v.id}`)) markDone(button, v.name);
  if (offerable || button.disabled) li.append(button);
  return li;
}

export async function showDemand(id, refresh) {
  const { node: d } = await gql(DEMAND, { id });
  if (!d) return;
  const box = $("details");
  box.dataset.demand = d.id;
  box.innerHTML = `<h2>${esc(d.title)}</h2><p>${esc(d.description)}</p><dl>
    <dt>${t("category")}</dt><dd>${esc(label("category", d.category))}</dd>
    <dt>${t("skills")}</dt><dd>${d.requiredSkills.map((s) => esc(label("skill", s))).join("、")}</dd>
    <dt>${t("needed")}</dt><dd>${d.needed}</dd>
    <dt>${t("starts")}</dt><dd>${esc(ymdHm(d.startsAt))}</dd>
    <dt>${t("ends")}</dt><dd>${esc(ymdHm(d.endsAt))}</dd>
    <dt>${t("status")}</dt><dd class="status" data-code="${esc(d.status)}">${esc(label("demandStatus", d.status))}</dd>
    <dt>${t("region")}</dt><dd>${esc(d.region?.name)}</dd></dl>
    <h3>${t("candidates")}</h3><ol id="candidates"><li>…</li></ol>`;
  const { volunteers } = await gql(CANDIDATES, { ...d.location, skills: d.requiredSkills });
  const list = $("candidates");
  list.replaceChildren();
  for (const { node: v } of volunteers.edges) list.append(candidateItem(d, v, refresh));
  if (!volunteers.edges.length) list.innerHTML = `<li>${t("noCandidates")}</li>`;
}
