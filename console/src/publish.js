// 新建/编辑: stations (dispatchers, admins; station staff edit their own), activities and
// projects (org admins of the team, admins). A new one is saved as a draft, then submitted for
// review; existing ones are listed by state and opened to edit, submit, close or archive. The
// place is a click on the map (its county found in the shipped borders) or, for an activity,
// a nearby open station. The API's field errors are shown beside the fields.
import { NEAREST_STATIONS, gql } from "./api.js";
import { countyAt } from "./boundaries.js";
import { ymdHm } from "./dates.js";
import { label, t } from "./i18n.js";
import * as ops from "./ops.js";
import { API_FIELD, SPECS, blank, changes, fill, setPlace, toInput } from "./forms.js";
import { askPlace, statusLabel } from "./tabs.js";
import { $, claims, esc, fillChoices, gid, myTeams, nodes, option, readFields, renderFields, said,
  send, showErrors } from "./ui.js";

const KINDS = { station: ["admin", "dispatcher", "station_staff"],
  activity: ["admin", "org_admin"], project: ["admin", "org_admin"] };
const LIVE = { station: ["active"], activity: ["published"], project: ["active", "planned"] };
const SHOWN = { unpublished: () => ["draft", "pending_review", "rejected"], live: (k) => LIVE[k],
  closed: () => ["closed"] };
const state = { kind: null, row: null, original: null, teams: [], turn: 0 };

const PANEL = `<h2 data-i18n="tabPublish"></h2>
  <div class="row2"><label><span data-i18n="pubKind"></span> <select id="pub-kind"></select></label>
  <label><span data-i18n="pubShown"></span> <select id="pub-shown"></select></label></div>
  <ol id="pub-list" class="pub-list"></ol>
  <button type="button" id="pub-new" data-i18n="pubNew"></button>
  <form id="pub-form" novalidate>
    <h3 id="pub-title"></h3>
    <div class="fields"></div>
    <p class="form-error"></p><p class="form-done"></p>
    <div class="actions"><button type="submit" id="pub-save" data-i18n="pubSave"></button>
      <button type="button" id="pub-submit" data-i18n="pubSubmit"></button></div>
    <div class="actions lifecycle"><input id="pub-reason" maxlength="500">
      <button type="button" id="pub-close" data-i18n="pubClose"></button>
      <button type="button" id="pub-archive" data-i18n="pubArchive"></button></div>
    <ol id="pub-log" class="note"></ol>
  </form>`;

function labelAll(section) {
  for (const el of section.querySelectorAll("[data-i18n]")) el.textContent = t(el.dataset.i18n);
  $("pub-reason").placeholder = t("reasonOptional");
  const kind = $("pub-kind");
  const keep = kind.value;
  const role = claims().role;
  kind.replaceChildren(...Object.keys(KINDS).filter((k) => KINDS[k].includes(role))
    .map((k) => option(k, t(`kind_${k}`))));
  if (keep) kind.value = keep;
  const shown = $("pub-shown");
  const keepShown = shown.value || "unpublished";
  shown.replaceChildren(...Object.keys(SHOWN).map((s) => option(s, t(`shown_${s}`))));
  shown.value = keepShown;
}

async function choices(form) {
  const teams = state.teams.map((o) => option(o.id, o.name));
  for (const name of ["organizationId", "ownerId"]) form.elements[name]?.replaceChildren(...teams);
  const project = form.elements.projectId;
  if (project) {
    const { org } = claims();
    const { projects } = await gql(ops.LIST.project, { statuses: LIVE.project,
      org: org != null ? gid("Organization", org) : null }).catch(() => ({}));
    project.replaceChildren(option("", "—"), ...nodes(projects).map((p) => option(p.id, p.name)));
  }
  form.elements.stationId?.replaceChildren(option("", t("orderNoStation")));
}

async function pickPlace(lngLat, ctx) {
  const form = $("pub-form");
  if (!form.elements.location) return;
  const point = { lon: lngLat.lng, lat: lngLat.lat };
  setPlace(form, point, countyAt(point.lon, point.lat));
  ctx.map.getSource("order")?.setData({ type: "Feature", properties: {},
    geometry: { type: "Point", coordinates: [point.lon, point.lat] } });
  const select = form.elements.stationId;
  if (!select) return;
  select.replaceChildren(option("", t("orderNoStation")));
  const { nearestStations } = await gql(NEAREST_STATIONS, { point, k: 5 }).catch(() => ({}));
  for (const s of nearestStations ?? []) {
    select.append(option(s.id, `${s.name} · ${(s.distanceM / 1000).toFixed(1)} ${t("km")}`));
  }
}

async function open(kind, row, ctx) {
  const turn = ++state.turn;  // a later open (another kind chosen meanwhile) wins
  state.kind = kind;
  state.row = row;
  const form = $("pub-form");
  renderFields(form, SPECS[kind]);
  await choices(form);
  if (turn !== state.turn) return;
  if (row) {
    if (row.station) form.elements.stationId?.append(option(row.station.id, row.station.name));
    fill(kind, form, row);
  } else {
    blank(kind, form);
  }
  state.original = row ? toInput(kind, form, readFields(form, SPECS[kind]).values).input : null;
  $("pub-title").textContent = row
    ? `${t("pubEditing")}：${row.name ?? row.title}（${statusLabel(kind, row.status)}）`
    : t(`pubNew_${kind}`);
  form.dataset.status = row?.status ?? "new";
  $("pub-new").hidden = claims().role === "station_staff";  // staff edit their own station
  $("pub-close").hidden = !row;
  $("pub-archive").hidden = !row;
  $("pub-reason").hidden = !row;
  $("pub-log").innerHTML = (row?.reviews ?? []).map((r) => `<li>${esc(ymdHm(r.at))}
    ${esc(label("reviewDecision", r.decision))} · ${esc(r.actor)}${r.reason ? ` · ${esc(r.reason)}` : ""}</li>`).join("");
  showErrors(form, []);
  if (form.elements.location) askPlace((lngLat) => pickPlace(lngLat, ctx));
}

async function list() {
  const kind = state.kind ?? $("pub-kind").value;
  const out = $("pub-list");
  const { org, region, role } = claims();
  const vars = { statuses: SHOWN[$("pub-shown").value](kind) };
  if (kind === "station" && role === "dispatcher") vars.region = region;
  if (kind !== "station" && org != null) vars.org = gid("Organization", org);
  try {
    const data = await gql(ops.LIST[kind], vars);
    const rows = nodes(Object.values(data)[0]);
    out.replaceChildren(...rows.map((n) => {
      const li = document.createElement("li");
      li.dataset.id = n.id;
      li.dataset.status = n.status;
      li.innerHTML = `<a href="#">${esc(n.name ?? n.title)}</a> <span class="status">${esc(statusLabel(kind, n.status))}</span>`;
      li.querySelector("a").addEventListener("click", (e) => {
        e.preventDefault();
        open(kind, n, state.ctx);
      });
      return li;
    }));
    if (!rows.length) out.innerHTML = `<li class="note">${esc(t("nothingHere"))}</li>`;
  } catch (err) {
    out.innerHTML = `<li class="error">${esc(err.message)}</li>`;
  }
}

// Save: a new one is created as a draft; an existing one sends what changed. The row, or null.
async function save() {
  const form = $("pub-form");
  const kind = state.kind;
  const { values, errors } = readFields(form, SPECS[kind]);
  const built = toInput(kind, form, values);
  const found = { ...errors, ...built.errors };
  if (Object.keys(found).length) {
    showErrors(form, found);
    return null;
  }
  const { organizationId, ownerId, ...editable } = built.input;
  const input = state.row ? { id: state.row.id, ...changes(editable, state.original) }
    : built.input;
  if (state.row && Object.keys(input).length === 1) return state.row;
  const payload = await send(form, (state.row ? ops.UPDATE : ops.CREATE)[kind], { input },
    API_FIELD);
  const row = payload?.[kind];
  if (row) {
    await open(kind, row, state.ctx);
    said(form, t("pubSaved"));
    await list();
  }
  return row ?? null;
}

async function lifecycle(query, doneKey) {
  const form = $("pub-form");
  const reason = $("pub-reason").value.trim();
  const input = { id: state.row.id, ...(reason && query !== ops.SUBMIT ? { reason } : {}) };
  const payload = await send(form, query, { input }, API_FIELD);
  if (!payload) return;
  const { node: fresh } = await gql(ops.PUBLICATION_NODE, { id: state.row.id });
  await open(state.kind, fresh ?? { ...state.row, status: payload.publication.status }, state.ctx);
  said(form, t(doneKey));
  await list();
  state.ctx.refreshTiles();
}

export const publishPanel = {
  async mount(section, ctx) {
    state.ctx = ctx;
    section.innerHTML = PANEL;
    labelAll(section);
    state.teams = await myTeams();
    $("pub-kind").addEventListener("change", () => {
      state.kind = $("pub-kind").value;
      open(state.kind, null, ctx);
      list();
    });
    $("pub-shown").addEventListener("change", list);
    $("pub-new").addEventListener("click", () => open($("pub-kind").value, null, ctx));
    $("pub-form").addEventListener("submit", (e) => {
      e.preventDefault();
      save();
    });
    $("pub-submit").addEventListener("click", async () => {
      if (await save()) await lifecycle(ops.SUBMIT, "pubSubmitted");
    });
    $("pub-close").addEventListener("click", () => lifecycle(ops.CLOSE, "pubClosed"));
    $("pub-archive").addEventListener("click", () => lifecycle(ops.ARCHIVE, "pubArchived"));
    // Station staff edit their own station (the token's `station`); others start a new one.
    const { role, station } = claims();
    const own = role === "station_staff" && station != null
      ? (await gql(ops.PUBLICATION_NODE, { id: gid("Station", station) }).catch(() => ({}))).node
      : null;
    await open($("pub-kind").value, own ?? null, ctx);
  },
  async open(section, ctx) {
    state.ctx = ctx;
    const form = $("pub-form");
    if (form?.elements.location) askPlace((lngLat) => pickPlace(lngLat, ctx));
    await list();
  },
  relabel(section) {
    labelAll(section);
    const form = $("pub-form");
    fillChoices(form, SPECS[state.kind]);
    for (const el of form.querySelectorAll("[data-i18n]")) el.textContent = t(el.dataset.i18n);
    $("pub-title").textContent = state.row
      ? `${t("pubEditing")}：${state.row.name ?? state.row.title}（${statusLabel(state.kind, state.row.status)}）`
      : t(`pubNew_${state.kind}`);
  },
};
