// 成员 (org admins, admins): the members of a team the admin manages (their own or one beneath
// it), each with their state; an active member is suspended with a reason, a suspended one
// reinstated with a reason (suspendVolunteer / reinstateVolunteer). Reasons are required.
import { gql, mutate } from "./api.js";
import { label, t } from "./i18n.js";
import * as ops from "./ops.js";
import { $, apiText, esc, myTeams, option } from "./ui.js";

const REASON_MAX = 500;
const PANEL = `<h2 data-i18n="tabMembers"></h2>
  <label><span data-i18n="fTeam"></span> <select id="mem-team"></select></label>
  <p class="note" id="mem-count"></p>
  <ol id="mem-list" class="members"></ol>`;

function row(m) {
  const v = m.volunteer;
  const li = document.createElement("li");
  li.dataset.volunteer = v.id;
  li.dataset.status = v.status;
  const suspended = v.status === "suspended";
  li.innerHTML = `<div><b>${esc(v.name)}</b> · ${esc(label("teamRole", m.role))}
      · <span class="status">${esc(label("volunteerStatus", v.status))}</span></div>
    ${v.status === "exited" ? "" : `<div class="inline"><input class="reason" maxlength="${REASON_MAX}"
      placeholder="${esc(t("memReasonHint"))}"><button type="button" class="act">${esc(t(
        suspended ? "memReinstate" : "memSuspend"))}</button></div>`}
    <p class="form-error"></p>`;
  li.querySelector(".act")?.addEventListener("click", async () => {
    const reason = li.querySelector(".reason").value.trim();
    const error = li.querySelector(".form-error");
    error.textContent = "";
    if (!reason) {
      error.textContent = t("reasonRequired");
      return;
    }
    if (reason.length > REASON_MAX) {
      error.textContent = t("errLength", { max: REASON_MAX });
      return;
    }
    try {
      await mutate(suspended ? ops.REINSTATE : ops.SUSPEND,
        { input: { volunteerId: v.id, reason } });
      m.volunteer = { ...v, status: suspended ? "active" : "suspended" };
      li.replaceWith(row(m));
    } catch (err) {
      error.textContent = err.errors ? err.errors.map(apiText).join("；") : err.message;
    }
  });
  return li;
}

async function load() {
  const id = $("mem-team").value;
  const out = $("mem-list");
  if (!id) return;
  try {
    const { node } = await gql(ops.MEMBERS, { id });
    $("mem-count").textContent = t("memCount", { n: node?.memberCount ?? 0 });
    out.replaceChildren(...(node?.members ?? []).filter((m) => m.volunteer).map(row));
    if (!out.children.length) out.innerHTML = `<li class="note">${esc(t("nothingHere"))}</li>`;
  } catch (err) {
    out.innerHTML = `<li class="error">${esc(err.message)}</li>`;
  }
}

export const membersPanel = {
  async mount(section) {
    section.innerHTML = PANEL;
    this.relabel(section);
    const teams = await myTeams();
    $("mem-team").replaceChildren(...teams.map((o) => option(o.id, o.name)));
    $("mem-team").addEventListener("change", load);
  },
  open: () => load(),
  relabel(section) {
    for (const el of section.querySelectorAll("[data-i18n]")) el.textContent = t(el.dataset.i18n);
    if (!section.hidden) load();
  },
};
