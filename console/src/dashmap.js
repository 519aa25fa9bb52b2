// The 看板's layers on the console's map: a choropleth of child regions for one measure (the
// shipped borders, a fill whose colour follows each region's value, with a legend), and the
// coverage map (demands beyond every station's reach, a plan's proposed sites with a popup of
// each one's marginal gain). Layers are added the first time they are wanted, under the
// borders, and hidden when the tab is left.
import maplibregl from "maplibre-gl";
import { boundaryOf } from "./boundaries.js";
import { t } from "./i18n.js";
import { esc } from "./ui.js";

const EMPTY = { type: "FeatureCollection", features: [] };
export const RAMP = ["#f7fbff", "#c6dbef", "#6baed6", "#2171b5", "#08306b"];
const LAYERS = ["dash-choropleth", "dash-choropleth-line", "dash-uncovered", "dash-sites"];

function ensure(map) {
  if (map.getSource("dash-regions")) return;
  const before = map.getLayer("county-borders") ? "county-borders" : undefined;
  map.addSource("dash-regions", { type: "geojson", data: EMPTY });
  map.addSource("dash-uncovered", { type: "geojson", data: EMPTY });
  map.addSource("dash-sites", { type: "geojson", data: EMPTY });
  map.addLayer({ id: "dash-choropleth", type: "fill", source: "dash-regions",
    paint: { "fill-opacity": 0.75, "fill-color": ["case", ["==", ["get", "value"], null], "#dddddd",
      ["interpolate", ["linear"], ["get", "t"], 0, RAMP[0], 0.25, RAMP[1], 0.5, RAMP[2],
        0.75, RAMP[3], 1, RAMP[4]]] } }, before);
  map.addLayer({ id: "dash-choropleth-line", type: "line", source: "dash-regions",
    paint: { "line-color": "#555", "line-width": 0.8 } });
  map.addLayer({ id: "dash-uncovered", type: "circle", source: "dash-uncovered",
    paint: { "circle-radius": 4, "circle-color": "#d7301f", "circle-stroke-color": "#fff",
      "circle-stroke-width": 1 } });
  map.addLayer({ id: "dash-sites", type: "circle", source: "dash-sites",
    paint: { "circle-radius": 9, "circle-color": "#1a9850", "circle-stroke-color": "#fff",
      "circle-stroke-width": 2 } });
  map.on("click", "dash-sites", (e) => {
    const p = e.features[0].properties;
    new maplibregl.Popup().setLngLat(e.lngLat).setHTML(`<b>#${p.rank} ${esc(p.name)}</b>
      <br>${esc(p.address)}<br>${t("dashGain")}: <b class="gain">${p.gain}</b> · ${t("dashReach")}:
      ${p.reach} · ${t("dashOnlyHere")}: ${p.onlyHere}`).addTo(map);
  });
  map.on("click", "dash-uncovered", (e) => {
    const p = e.features[0].properties;
    const near = p.km === undefined || p.km === null || p.km === "null" ? t("dashNoStation")
      : t("dashNearest", { km: Number(p.km).toFixed(1) });
    new maplibregl.Popup().setLngLat(e.lngLat).setHTML(`<b>${esc(p.title)}</b><br>${near}`)
      .addTo(map);
  });
}

export function showDashLayers(map, shown) {
  if (!map?.getSource("dash-regions")) return;
  for (const id of LAYERS) map.setLayoutProperty(id, "visibility", shown ? "visible" : "none");
}

function bounds(features) {
  const b = new maplibregl.LngLatBounds();
  const walk = (c) => (typeof c[0] === "number" ? b.extend(c) : c.forEach(walk));
  for (const f of features) walk(f.geometry.coordinates);
  return b;
}

// values: [{code, name, value}] (value null: no data). Fills the regions, fits the map to them
// and returns the legend's range {min, max, drawn}.
export function drawChoropleth(map, values) {
  ensure(map);
  showDashLayers(map, true);
  const known = values.map((v) => v.value).filter((v) => v !== null && Number.isFinite(v));
  const min = known.length ? Math.min(...known) : 0;
  const max = known.length ? Math.max(...known) : 1;
  const features = values.map((v) => [v, boundaryOf(v.code)]).filter(([, f]) => f)
    .map(([v, f]) => ({ type: "Feature", geometry: f.geometry, properties: { code: v.code,
      name: v.name, value: v.value, t: v.value === null ? 0 : (max > min ? (v.value - min) / (max - min) : 0.5) } }));
  map.getSource("dash-regions").setData({ type: "FeatureCollection", features });
  if (features.length) map.fitBounds(bounds(features), { padding: 30, duration: 0 });
  return { min, max, drawn: features.length };
}

export function legendHtml(title, range, format) {
  const stops = RAMP.map((c, i) => `${c} ${(i * 100) / (RAMP.length - 1)}%`).join(",");
  return `<h3>${esc(title)}</h3><div class="dash-ramp" style="background:linear-gradient(to right,${stops})"></div>
    <div class="dash-ramp-ends"><span>${esc(format(range.min))}</span><span>${esc(format(range.max))}</span></div>
    <div><i class="dash-none"></i> ${esc(t("dashNoData"))}</div>`;
}

// Demands beyond reach (red) and a plan's chosen sites (green, a popup with the gain).
export function drawCoverage(map, uncovered, plan) {
  ensure(map);
  showDashLayers(map, true);
  map.getSource("dash-uncovered").setData({ type: "FeatureCollection", features: uncovered.map((d) => ({
    type: "Feature", geometry: { type: "Point", coordinates: [d.lon, d.lat] },
    properties: { id: d.id, title: d.title, km: d.nearestStationKm } })) });
  const chosen = (plan?.chosen ?? []).filter((c) => c.site);
  map.getSource("dash-sites").setData({ type: "FeatureCollection", features: chosen.map((c) => ({
    type: "Feature", geometry: { type: "Point", coordinates: [c.site.lon, c.site.lat] },
    properties: { rank: c.rank, name: c.site.name, address: c.site.address, gain: c.gain,
      reach: c.reach, onlyHere: c.onlyHere } })) });
}
