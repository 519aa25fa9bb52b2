// The 看板's stars (星级): the region's volunteers, teams or projects with their stars, filtered
// by stars and name, best first; one opened shows its evidence — a volunteer's star history
// (the day each threshold of their region was passed, from their confirmed records), a team's
// or project's figures against each level of the star rules in force, the day each level was
// first reached (starHistory) and what the next level still lacks.
import { gql } from "./api.js";
import { getLang, t } from "./i18n.js";
import * as ops from "./dashops.js";
import { $, esc } from "./ui.js";

const state = { code: null, rows: [] };

export const STARS_HTML = `<form id="dash-star-filter" class="dash-grid">
    <label><span data-i18n="dashStarKind"></span><select id="dash-star-kind">
      <option value="volunteer" data-i18n="k_volunteer"></option><option value="team" data-i18n="k_team"></option>
      <option value="project" data-i18n="k_project"></option></select></label>
    <label><span data-i18n="dashMinStars"></span><select id="dash-star-min">${[0, 1, 2, 3, 4, 5].map((n) =>
      `<option value="${n}">${n ? "★".repeat(n) : "—"}</option>`).join("")}</select></label>
    <label class="wide"><span data-i18n="dashNameHas"></span><input id="dash-star-name"></label>
  </form>
  <p class="note" id="dash-star-count"></p>
  <table class="dash-children"><thead><tr><th data-i18n="dashName"></th><th data-i18n="dashStarsCol"></th>
    <th data-i18n="s_hours"></th></tr></thead><tbody id="dash-stars"></tbody></table>
  <div id="dash-star-detail"></div>`;

const stars = (n) => `<span class="stars" data-stars="${n}">${"★".repeat(n)}${"☆".repeat(5 - n)}</span>`;

async function fetchRows() {
  const kind = $("dash-star-kind").value;
  if (kind === "volunteer") {
    const { volunteers } = await gql(ops.STAR_VOLUNTEERS, { code: state.code });
    return { total: volunteers.totalCount, rows: volunteers.edges.map(({ node: v }) => ({ kind, id: v.id,
      name: v.name, stars: v.stars, hours: Number(v.totalHours), region: v.region?.code })) };
  }
  if (kind === "team") {
    const { organizations: o } = await gql(ops.STAR_TEAMS, { code: state.code });
    return { total: o.totalCount, rows: o.edges.map(({ node: n }) => rated(kind, n, n.region?.code)) };
  }
  const { projects: p } = await gql(ops.STAR_PROJECTS, { code: state.code });
  return { total: p.totalCount, rows: p.edges.map(({ node: n }) => rated(kind, n, n.owner?.region?.code)) };
}

const rated = (kind, n, region) => ({ kind, id: n.id, name: n.name, stars: n.stars.stars,
  hours: Number(n.stars.hours), rating: n.stars, history: n.starHistory, region });

function show() {
  const min = Number($("dash-star-min").value);
  const name = $("dash-star-name").value.trim();
  const rows = state.rows.filter((r) => r.stars >= min && (!name || r.name.includes(name)))
    .sort((a, b) => b.stars - a.stars || b.hours - a.hours);
  $("dash-star-count").textContent = t("dashStarCount", { n: rows.length, total: state.total });
  $("dash-stars").innerHTML = rows.map((r) => `<tr data-id="${esc(r.id)}" data-stars="${r.stars}">
    <td><a href="#">${esc(r.name)}</a></td><td>${stars(r.stars)}</td><td>${r.hours.toFixed(1)}</td></tr>`).join("");
}

async function load() {
  if (!state.code) return;
  $("dash-star-detail").innerHTML = "";
  Object.assign(state, { rows: [], total: 0 });
  show();
  const kind = $("dash-star-kind").value;
  try {
    const found = await fetchRows();
    if (kind !== $("dash-star-kind").value) return;  // another kind asked for since
    Object.assign(state, found);
    show();
    $("dash-stars").dataset.kind = kind;
  } catch (err) {
    state.rows = [];
    show();
    $("dash-star-count").textContent = err.message;
  }
}

// A volunteer's confirmed originals (latest 100) oldest first: the day each threshold was
// passed. Hours before the earliest listed record (totalHours − the listed ones) come first.
export function starHistory(volunteer, thresholds) {
  const records = volunteer.serviceRecords.filter((r) => r.confirmed && !r.isCorrection)
    .sort((a, b) => a.servedOn.localeCompare(b.servedOn));
  const listed = records.reduce((s, r) => s + Number(r.netHours ?? r.hours), 0);
  let sum = Math.max(Number(volunteer.totalHours) - listed, 0);
  const earlier = sum;
  const passed = [];
  const ladder = [...thresholds].sort((a, b) => a.stars - b.stars);
  const reach = (on, before) => {
    while (passed.length < ladder.length && sum >= Number(ladder[passed.length].hours)) {
      passed.push({ ...ladder[passed.length], on, before });
    }
  };
  reach(records[0]?.servedOn ?? null, true);
  for (const r of records) {
    sum += Number(r.netHours ?? r.hours);
    reach(r.servedOn, false);
  }
  return { passed, ladder, earlier, total: Number(volunteer.totalHours) };
}

async function volunteerDetail(id) {
  const { node: v } = await gql(ops.STAR_VOLUNTEER, { id });
  const { starThresholds } = await gql(ops.STAR_THRESHOLDS, { code: v.region?.code ?? null });
  const h = starHistory(v, starThresholds);
  const rows = h.ladder.map((l) => {
    const p = h.passed.find((x) => x.stars === l.stars);
    const when = !p ? t("dashNotYet") : p.before && p.on ? t("dashBefore", { day: p.on }) : p.on;
    return `<tr class="${p ? "pass" : "fail"}"><td>${stars(l.stars)}</td><td>${Number(l.hours)}</td><td>${esc(when)}</td></tr>`;
  }).join("");
  return `<h4>${esc(v.name)} ${stars(v.stars)}</h4>
    <p class="note">${esc(t("dashStarHistoryNote", { total: h.total.toFixed(1) }))}</p>
    <table class="dash-children star-history"><thead><tr><th>${esc(t("dashStarsCol"))}</th><th>${esc(t("s_hours"))}</th>
      <th>${esc(t("dashReachedOn"))}</th></tr></thead><tbody>${rows}</tbody></table>`;
}

async function ratedDetail(row) {
  const subject = row.kind === "team" ? "organization" : "project";
  const { starRules } = await gql(ops.STAR_RULES, { subject, code: row.region ?? null });
  const r = row.rating;
  const met = (l) => Number(r.hours) >= Number(l.hours) && r.activities >= l.activities
    && r.volunteers >= l.volunteers && (l.rating === null || Number(r.rating ?? 0) >= Number(l.rating));
  const short = r.next ? (getLang() === "zh" ? r.next.shortZh : r.next.shortEn) : [];
  const reached = (l) => {
    const h = row.history.find((x) => x.stars === l.stars);
    if (!h) return t("dashNotYet");
    return (h.reachedOn ?? t("dashHeldBefore")) + (l.stars > r.stars ? t("dashLostSince") : "");
  };
  return `<h4>${esc(row.name)} ${stars(r.stars)}</h4>
    <p>${esc(t("dashStarEvidence", { hours: Number(r.hours).toFixed(1), activities: r.activities,
      volunteers: r.volunteers, rating: r.rating ?? "—", ratings: r.ratingCount }))}</p>
    <table class="dash-children star-rules"><thead><tr><th>${esc(t("dashStarsCol"))}</th><th>${esc(t("s_hours"))}</th>
      <th>${esc(t("s_activities"))}</th><th>${esc(t("s_volunteers"))}</th><th>${esc(t("dashRating"))}</th>
      <th>${esc(t("dashReachedOn"))}</th></tr></thead>
      <tbody>${starRules.rules.map((l) => `<tr class="${met(l) ? "pass" : "fail"}" data-level="${l.stars}"><td>${stars(l.stars)}</td>
        <td>${Number(l.hours)}</td><td>${l.activities}</td><td>${l.volunteers}</td><td>${l.rating ?? "—"}</td>
        <td class="reached">${esc(reached(l))}</td></tr>`).join("")}</tbody></table>
    ${r.next ? `<p class="next">${esc(t("dashNextLacks", { n: r.next.stars }))}${esc(short.join("；"))}</p>` : ""}
    <p class="note">${esc(t("dashNoStarHistory"))}</p>`;
}

async function detail(e) {
  const tr = e.target.closest("tr[data-id]");
  if (!tr) return;
  e.preventDefault();
  const row = state.rows.find((r) => r.id === tr.dataset.id);
  const box = $("dash-star-detail");
  box.dataset.id = row.id;
  try {
    box.innerHTML = row.kind === "volunteer" ? await volunteerDetail(row.id) : await ratedDetail(row);
  } catch (err) {
    box.innerHTML = `<p class="error">${esc(err.message)}</p>`;
  }
}

export const starsPanel = {
  mount() {
    $("dash-star-kind").addEventListener("change", load);
    $("dash-star-min").addEventListener("change", show);
    $("dash-star-name").addEventListener("input", show);
    $("dash-stars").addEventListener("click", detail);
  },
  async load(code) {
    state.code = code;
    await load();
  },
};
