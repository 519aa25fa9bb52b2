// 审核: what waits for the signed-in reviewer's decision — demands raised by residents and
// stations, station / activity / project submissions, pending 抢单 claims — each with its
// details and 通过 / 退回 (a reason is required to reject: checked here and by the API).
import { gql, mutate } from "./api.js";
import { ymdHm } from "./dates.js";
import { label, t } from "./i18n.js";
import * as ops from "./ops.js";
import { apiText, claims, esc, nodes } from "./ui.js";

const REASON_MAX = 500;
const window_ = (n) => `${ymdHm(n.startsAt)} – ${ymdHm(n.endsAt).slice(11)}`;
const skills = (list) => (list ?? []).map((s) => label("skill", s)).join("、") || "—";
const yes = (b) => t(b ? "yes" : "no");

export function hoursText(windows) {
  if (!windows?.length) return "—";
  return windows.map((w) => `${t("weekdayShort", { d: t(`wd${w.weekday}`) })} ${w.start}–${w.end}`)
    .join("；");
}

export function sixHasText(six) {
  if (!six) return "—";
  const have = ["place", "team", "projects", "facilities", "rules", "signage"]
    .filter((k) => six[k]).map((k) => t(`six_${k}`));
  return `${have.join("、") || "—"}${six.complete ? ` (${t("sixComplete")})` : ""}`;
}

// The kinds of items, who sees them, how they are loaded, shown and decided.
const KINDS = [
  { name: "demand", key: "reviewDemands", roles: ["admin", "dispatcher", "station_staff"],
    query: ops.DEMANDS_TO_APPROVE, pick: (d) => d.demandsToApprove,
    title: (n) => n.title,
    rows: (n) => [["category", label("category", n.category)], ["needed", n.needed],
      ["when", window_(n)], ["raisedBy", label("raisedByKind", n.raisedByKind)],
      ["where", n.station?.name ?? n.region?.name ?? "—"], ["skills", skills(n.requiredSkills)],
      ["contact", [n.contactName, n.contactPhone].filter(Boolean).join(" ") || "—"],
      ["description", n.description || "—"], ["raisedAt", ymdHm(n.createdAt)]],
    approve: (n) => mutate(ops.APPROVE_DEMAND, { input: { demandId: n.id } }),
    reject: (n, reason) => mutate(ops.REJECT_DEMAND, { input: { demandId: n.id, reason } }) },
  { name: "station", key: "reviewStations", roles: ["admin", "dispatcher"],
    query: ops.STATIONS_TO_REVIEW, pick: (d) => d.stations, title: (n) => n.name,
    rows: (n) => [["kind", label("stationKind", n.kind)], ["address", n.address || "—"],
      ["region", n.region?.name ?? "—"], ["operator", n.organization?.name ?? "—"],
      ["sixHas", sixHasText(n.sixHas)], ["openingHours", hoursText(n.openingHours)],
      ["contact", [n.contactName, n.contactPhone].filter(Boolean).join(" ") || "—"],
      ...submitted(n)],
    publication: true },
  { name: "activity", key: "reviewActivities",
    roles: ["admin", "dispatcher", "org_admin"], query: ops.ACTIVITIES_TO_REVIEW,
    pick: (d) => d.activities, title: (n) => n.title,
    rows: (n) => [["team", n.organization?.name ?? "—"], ["project", n.project?.name ?? "—"],
      ["category", label("category", n.category)], ["when", window_(n)],
      ["where", n.station?.name ?? n.region?.name ?? "—"], ["capacity", n.capacity],
      ["skills", skills(n.requiredSkills)], ["safetyPlan", n.safetyPlan || "—"],
      ["insurance", yes(n.requiresInsurance)], ...submitted(n)],
    publication: true },
  { name: "project", key: "reviewProjects", roles: ["admin", "dispatcher", "org_admin"],
    query: ops.PROJECTS_TO_REVIEW, pick: (d) => d.projects, title: (n) => n.name,
    rows: (n) => [["team", n.owner?.name ?? "—"], ["category", label("category", n.projectCategory)],
      ["period", `${n.startsOn} – ${n.endsOn}`], ["funding", n.fundingYuan ?? "—"],
      ["fundingSource", n.fundingSource || "—"],
      ["subProgramme", n.subProgramme ? label("subProgramme", n.subProgramme) : "—"],
      ...submitted(n)],
    publication: true },
  { name: "claim", key: "reviewClaims", roles: ["admin", "dispatcher"],
    query: ops.CLAIMS_TO_APPROVE, pick: (d) => d.dispatches,
    title: (n) => `${n.demand?.title ?? "—"} ← ${n.volunteer?.name ?? "—"}`,
    rows: (n) => [["volunteer", n.volunteer?.name ?? "—"], ["demand", n.demand?.title ?? "—"],
      ["where", n.demand?.region?.name ?? "—"], ["when", window_(n)],
      ["distance", n.distanceM == null ? "—" : `${(n.distanceM / 1000).toFixed(1)} ${t("km")}`],
      ["claimedAt", ymdHm(n.offeredAt)]],
    approve: (n) => mutate(ops.APPROVE_CLAIM, { input: { dispatchId: n.id } }),
    reject: (n, reason) => mutate(ops.REJECT_CLAIM, { input: { dispatchId: n.id, reason } }) },
];

function submitted(n) {
  const last = (n.reviews ?? []).filter((r) => r.decision === "submit").at(-1);
  return last ? [["submittedBy", `${last.actor} · ${ymdHm(last.at)}`]] : [];
}

const decide = (n, decision, reason) => mutate(ops.REVIEW_SUBMISSION,
  { input: { id: n.id, decision, ...(reason ? { reason } : {}) } });

function card(kind, n, ctx, section) {
  const li = document.createElement("li");
  li.className = "review-card";
  li.dataset.kind = kind.name;
  li.dataset.id = n.id;
  const rows = kind.rows(n).map(([k, v]) => `<dt>${esc(t(k))}</dt><dd>${esc(v)}</dd>`).join("");
  li.innerHTML = `<h4>${esc(kind.title(n))}</h4><dl>${rows}</dl>
    <label class="field"><span class="field-label">${esc(t("rejectReason"))}</span>
      <input class="reason" maxlength="${REASON_MAX}" placeholder="${esc(t("reasonHint"))}"></label>
    <p class="form-error"></p>
    <div class="actions"><button type="button" class="approve">${esc(t("approve"))}</button>
      <button type="button" class="reject">${esc(t("reject"))}</button></div>`;
  const error = li.querySelector(".form-error");
  const act = async (approving) => {
    const reason = li.querySelector(".reason").value.trim();
    error.textContent = "";
    if (!approving && !reason) {
      error.textContent = t("reasonRequired");
      li.querySelector(".reason").focus();
      return;
    }
    if (reason.length > REASON_MAX) {
      error.textContent = t("errLength", { max: REASON_MAX });
      return;
    }
    for (const b of li.querySelectorAll("button")) b.disabled = true;
    try {
      if (kind.publication) await decide(n, approving ? "APPROVE" : "REJECT", reason);
      else await (approving ? kind.approve(n) : kind.reject(n, reason));
      li.classList.add("decided");
      li.dataset.outcome = approving ? "approved" : "rejected";
      li.querySelector(".actions").replaceWith(Object.assign(document.createElement("p"),
        { className: "outcome", textContent: t(approving ? "approvedDone" : "rejectedDone") }));
      li.querySelector(".field").remove();
      const count = section.querySelector(`[data-kind="${kind.name}"] .count`);
      count.textContent = String(Math.max(0, Number(count.textContent) - 1));
      if (kind.name === "station" || kind.name === "demand") ctx.refreshTiles();
    } catch (err) {
      error.textContent = err.errors ? err.errors.map(apiText).join("；") : err.message;
      for (const b of li.querySelectorAll("button")) b.disabled = false;
    }
  };
  li.querySelector(".approve").addEventListener("click", () => act(true));
  li.querySelector(".reject").addEventListener("click", () => act(false));
  return li;
}

async function load(kind, box, ctx, section, after = null) {
  const list = box.querySelector("ol");
  const more = box.querySelector(".more");
  try {
    const connection = kind.pick(await gql(kind.query, { after }));
    if (!after) list.replaceChildren();
    box.querySelector(".count").textContent = String(connection.totalCount);
    for (const n of nodes(connection)) list.append(card(kind, n, ctx, section));
    if (!connection.totalCount) list.innerHTML = `<li class="note">${esc(t("nothingWaits"))}</li>`;
    more.hidden = !connection.pageInfo.hasNextPage;
    more.onclick = () => load(kind, box, ctx, section, connection.pageInfo.endCursor);
  } catch (err) {
    list.innerHTML = `<li class="error">${esc(err.message)}</li>`;
  }
}

export const reviewPanel = {
  mount(section) {
    section.innerHTML = `<h2 data-i18n="tabReview">${esc(t("tabReview"))}</h2>
      <button type="button" class="reload" data-i18n="reload">${esc(t("reload"))}</button>
      <div class="review-kinds"></div>`;
  },
  async open(section, ctx) {
    const { role } = claims();
    const holder = section.querySelector(".review-kinds");
    holder.replaceChildren();
    section.querySelector(".reload").onclick = () => this.open(section, ctx);
    await Promise.all(KINDS.filter((k) => k.roles.includes(role)).map((kind) => {
      const box = document.createElement("section");
      box.className = "review-kind";
      box.dataset.kind = kind.name;
      box.innerHTML = `<h3><span data-i18n="${kind.key}">${esc(t(kind.key))}</span>
        (<span class="count">…</span>)</h3><ol></ol>
        <button type="button" class="more" hidden data-i18n="more">${esc(t("more"))}</button>`;
      holder.append(box);
      return load(kind, box, ctx, section);
    }));
  },
  relabel(section, ctx) {
    if (!section.hidden) this.open(section, ctx);
  },
};
