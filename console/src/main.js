// The dispatcher console: map, filters, demand details with candidates, preview and commit.
import maplibregl from "maplibre-gl";
import "maplibre-gl/dist/maplibre-gl.css";
import "./style.css";
import { CANDIDATES, COMMIT, DEMAND, PREVIEW, REGIONS, authHeaders, getToken, gql, mutate,
  setToken, subscribeDispatch } from "./api.js";
import { gcjProtocol } from "./gcj.js";
import { CATEGORIES, categoryName, getLang, setLang, t } from "./i18n.js";
import { buildStyle, tileUrl } from "./style.js";

const $ = (id) => document.getElementById(id);
const esc = (s) => String(s ?? "").replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`);
const state = { plan: null, version: 0, cities: [] };
const when = (iso) => new Date(iso).toLocaleString(getLang() === "zh" ? "zh-CN" : "en-GB",
  { timeZone: "Asia/Shanghai", dateStyle: "medium", timeStyle: "short" });

function option(value, label) {
  const el = document.createElement("option");
  el.value = value;
  el.textContent = label;
  return el;
}

function regionCode() {
  return $("city").value || $("province").value || "";
}

function tileQuery(layer) {
  const q = new URLSearchParams();
  if (regionCode()) q.set("region", regionCode());
  const skills = [...$("skills").selectedOptions].map((o) => o.value);
  if (skills.length) q.set("skills", skills.join(","));
  if (layer === "demands") {
    if ($("category").value) q.set("category", $("category").value);
    if ($("date").value) q.set("date", $("date").value);
  }
  if (state.version) q.set("v", String(state.version));
  return q;
}

function refreshTiles(map) {
  for (const layer of ["volunteers", "stations", "demands"]) {
    map.getSource(layer)?.setTiles([tileUrl(layer, tileQuery(layer))]);
  }
}

function fillFilters() {
  const category = $("category");
  const skills = $("skills");
  const keep = [category.value, [...skills.selectedOptions].map((o) => o.value)];
  category.replaceChildren(option("", t("all")));
  skills.replaceChildren();
  for (const code of Object.keys(CATEGORIES)) {
    category.append(option(code, categoryName(code)));
    const o = option(code, categoryName(code));
    o.selected = keep[1].includes(code);
    skills.append(o);
  }
  category.value = keep[0];
}

async function loadRegions(select, parent) {
  const keep = select.value;
  select.replaceChildren(option("", t("all")));
  if (parent === undefined) return [];
  const { regions } = await gql(REGIONS, { parent });
  for (const r of regions) select.append(option(r.code, r.name));
  select.value = keep;
  return regions;
}

async function showDemand(map, feature) {
  const id = btoa(String.fromCharCode(...new TextEncoder().encode(`Demand:${feature.id}`)));
  const { node: d } = await gql(DEMAND, { id });
  if (!d) return;
  const box = $("details");
  box.innerHTML = `<h2>${esc(d.title)}</h2><p>${esc(d.description)}</p><dl>
    <dt>${t("category")}</dt><dd>${esc(categoryName(d.category))}</dd>
    <dt>${t("skills")}</dt><dd>${d.requiredSkills.map((s) => esc(categoryName(s))).join("、")}</dd>
    <dt>${t("needed")}</dt><dd>${d.needed}</dd>
    <dt>${t("starts")}</dt><dd>${esc(when(d.startsAt))}</dd>
    <dt>${t("status")}</dt><dd class="status">${esc(d.status)}</dd>
    <dt>${t("region")}</dt><dd>${esc(d.region?.name)}</dd></dl>
    <h3>${t("candidates")}</h3><ol id="candidates"><li>…</li></ol>`;
  const { volunteers } = await gql(CANDIDATES, { ...d.location, skills: d.requiredSkills });
  const list = $("candidates");
  list.replaceChildren();
  for (const { node: v } of volunteers.edges) {
    const li = document.createElement("li");
    li.textContent = `${v.name} · ${(v.distanceM / 1000).toFixed(1)} km`;
    list.append(li);
  }
  if (!volunteers.edges.length) list.innerHTML = `<li>${t("noCandidates")}</li>`;
}

function viewRegion(map) {
  if (regionCode()) return regionCode();
  // The city whose seat is nearest the centre of the view.
  const c = map.getCenter();
  let best = null;
  for (const f of map.querySourceFeatures("regions")) {
    if (f.properties.level !== "city" || f.geometry.type !== "Point") continue;
    const [lon, lat] = f.geometry.coordinates;
    const d = (lon - c.lng) ** 2 + (lat - c.lat) ** 2;
    if (!best || d < best[0]) best = [d, f.properties.code];
  }
  return best?.[1] ?? "";
}

async function preview(map) {
  const region = viewRegion(map);
  const box = $("plan");
  if (!region) {
    box.textContent = t("noRegion");
    return;
  }
  box.textContent = "…";
  const from = $("date").value ? new Date(`${$("date").value}T00:00:00+08:00`) : new Date();
  const to = new Date(from.getTime() + ($("date").value ? 1 : 30) * 86400e3);
  try {
    const { plan } = await mutate(PREVIEW,
      { region, from: from.toISOString(), to: to.toISOString() });
    state.plan = plan;
    map.getSource("lines").setData(plan.lines);
    map.getSource("unfilled").setData({ type: "FeatureCollection", features: plan.unfilled
      .filter((u) => u.demand?.location).map((u) => ({ type: "Feature",
        properties: { missing: u.missing, code: u.code },
        geometry: { type: "Point", coordinates: [u.demand.location.lon, u.demand.location.lat] } })) });
    const s = plan.stats;
    box.innerHTML = `<p>${t("planFor")}: ${esc(region)} · ${esc(s.solver)} ${esc(s.status)}</p>
      <p class="filled">${t("filled")}: ${s.filledSlots} · ${t("unfilled")}: ${plan.unfilled.length}
      · ${t("distance")}: ${(s.totalDistanceM / 1000).toFixed(1)} km</p>`;
    $("commit").disabled = false;
  } catch (err) {
    box.textContent = err.message;
  }
}

async function commit(map) {
  if (!state.plan) return;
  $("commit").disabled = true;
  try {
    const done = await mutate(COMMIT, { id: state.plan.id });
    $("plan").insertAdjacentHTML("beforeend",
      `<p class="committed" data-offered="${done.offered}">${t("offered")}: ${done.offered} · ${t("skipped")}: ${done.skipped.length}</p>`);
    state.version += 1;
    refreshTiles(map);
  } catch (err) {
    $("plan").insertAdjacentHTML("beforeend", `<p class="error">${esc(err.message)}</p>`);
  }
}

function showWho() {
  const token = getToken();
  let who = t("anonymous");
  try {
    if (token) who = JSON.parse(atob(token.split(".")[1].replace(/-/g, "+").replace(/_/g, "/"))).role;
  } catch { /* an unreadable token is shown as anonymous; the server decides */ }
  $("who").textContent = who;
}

async function start() {
  setLang(getLang());
  fillFilters();
  showWho();
  $("token").value = getToken();
  const config = await (await fetch("/console/config.json")).json();
  if (config.basemapUrl) maplibregl.addProtocol("gcj", gcjProtocol(config.basemapUrl));
  const map = new maplibregl.Map({
    container: "map", style: buildStyle(config, new URLSearchParams()), center: [113.6, 34.75],
    zoom: 6, maxZoom: config.maxZoom ?? 18, localIdeographFontFamily: "sans-serif",
    transformRequest: (url) => (url.startsWith(`${location.origin}/tiles/`)
      ? { url, headers: authHeaders() } : { url }),
  });
  window.hubConsole = { map, state };
  map.addControl(new maplibregl.NavigationControl(), "top-right");
  map.on("load", () => {
    refreshTiles(map);
    document.body.dataset.ready = "1";
  });
  map.on("click", "demands", (e) => showDemand(map, e.features[0]));
  map.on("click", "volunteer-cells", (e) => new maplibregl.Popup().setLngLat(e.lngLat)
    .setText(`${e.features[0].properties.count} ${t("volunteers")}`).addTo(map));
  for (const layer of ["demands", "volunteer-cells"]) {
    map.on("mouseenter", layer, () => { map.getCanvas().style.cursor = "pointer"; });
    map.on("mouseleave", layer, () => { map.getCanvas().style.cursor = ""; });
  }
  $("signin").addEventListener("submit", (e) => {
    e.preventDefault();
    setToken($("token").value);
    showWho();
    refreshTiles(map);
  });
  $("lang").addEventListener("click", () => {
    setLang(getLang() === "zh" ? "en" : "zh");
    $("lang").textContent = getLang() === "zh" ? "EN" : "中文";
    fillFilters();
    showWho();
  });
  $("lang").textContent = getLang() === "zh" ? "EN" : "中文";
  loadRegions($("province"), null).catch(() => undefined);
  $("province").addEventListener("change", async () => {
    $("city").value = "";
    state.cities = await loadRegions($("city"), $("province").value || undefined);
    refreshTiles(map);
  });
  for (const id of ["city", "category", "skills", "date"]) {
    $(id).addEventListener("change", () => refreshTiles(map));
  }
  $("preview").addEventListener("click", () => preview(map));
  $("commit").addEventListener("click", () => commit(map));
  subscribeDispatch((event) => {
    $("live").textContent = event?.toState
      ? `${t("live")}: ${event.demandId} ${event.fromState ?? "—"} → ${event.toState}`
      : `${t("live")}: ${JSON.stringify(event)}`;
    state.version += 1;
    refreshTiles(map);
  }, (s) => { $("live").textContent = s === "on" ? t("liveOn") : t("liveOff"); });
}

start();
