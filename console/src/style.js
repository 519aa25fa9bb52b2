// The map style: the offline basemap (province, city and county borders shipped in
// public/boundaries, and division seats from the hub), an online raster basemap when one is
// configured (HUB_BASEMAP_URL: Tianditu in WGS-84, or an Amap-style GCJ-02 one), and the hub's
// vector tiles. Chinese names are drawn with the browser's own CJK fonts
// (localIdeographFontFamily), so the glyph endpoint serves no glyphs. LEGEND lists what each
// colour means; the legend on screen is drawn from it.
export const COLOURS = {
  volunteer: "#2a9d8f", volunteerCoarse: "#8ab17d", station: "#264653", open: "#f4a261",
  dispatched: "#e76f51", in_progress: "#3a86ff", done: "#6c757d", unfilled: "#d62828",
  line: "#e76f51", accepted: "#2b9348", province: "#5b6b7b", city: "#8494a4", county: "#b4c0cc",
};

// [vocabulary key of the label, how it is drawn, colour]
export const LEGEND = [
  ["volunteerCells", "cell", COLOURS.volunteer], ["volunteerPoint", "dot", COLOURS.volunteer],
  ["station", "dot", COLOURS.station], ["demandOpen", "dot", COLOURS.open],
  ["demandDispatched", "dot", COLOURS.dispatched],
  ["demandInProgress", "dot", COLOURS.in_progress],
  ["unfilledRing", "ring", COLOURS.unfilled], ["acceptedMark", "ring", COLOURS.accepted],
  ["assignLine", "line", COLOURS.line], ["boundaryProvince", "border", COLOURS.province],
  ["boundaryCity", "border", COLOURS.city], ["boundaryCounty", "border", COLOURS.county],
];

export function tileUrl(layer, query) {
  const qs = query.toString();
  return `${location.origin}/tiles/${layer}/{z}/{x}/{y}.mvt${qs ? `?${qs}` : ""}`;
}

function basemap(config) {
  if (!config.basemapUrl) return { sources: {}, layers: [] };
  const gcj = String(config.basemapCrs).toUpperCase().replace("-", "") === "GCJ02";
  return {
    sources: { online: { type: "raster", tileSize: 256, maxzoom: 18,
      tiles: [gcj ? "gcj://{z}/{x}/{y}" : config.basemapUrl] } },
    layers: [{ id: "online", type: "raster", source: "online" }],
  };
}

const EMPTY = { type: "FeatureCollection", features: [] };
const SEATS = ["any", ["==", ["get", "level"], "province"],
  ["all", ["==", ["get", "level"], "city"], [">=", ["zoom"], 5]], [">=", ["zoom"], 8]];
const level = (name) => ["==", ["get", "level"], name];

function borders() {
  return [
    { id: "selected-region", type: "fill", source: "selected",
      paint: { "fill-color": "#fff8e1", "fill-opacity": 0.6 } },
    { id: "county-borders", type: "line", source: "boundaries", minzoom: 6.5,
      filter: level("county"), paint: { "line-color": COLOURS.county, "line-width": 0.6 } },
    { id: "city-borders", type: "line", source: "boundaries", minzoom: 4.5,
      filter: level("city"), paint: { "line-color": COLOURS.city, "line-width": 1,
        "line-dasharray": [3, 2] } },
    { id: "province-borders", type: "line", source: "boundaries", filter: level("province"),
      paint: { "line-color": COLOURS.province, "line-width": 1.4 } },
    { id: "selected-outline", type: "line", source: "selected",
      paint: { "line-color": "#c77d00", "line-width": 2.5 } },
  ];
}

function hubLayers() {
  return [
    { id: "volunteer-cells", type: "circle", source: "volunteers", "source-layer": "volunteers",
      filter: ["has", "count"],
      paint: { "circle-color": COLOURS.volunteer, "circle-opacity": 0.45,
        "circle-radius": ["interpolate", ["linear"], ["sqrt", ["get", "count"]], 1, 3, 30, 20] } },
    { id: "volunteer-points", type: "circle", source: "volunteers", "source-layer": "volunteers",
      filter: ["!", ["has", "count"]],
      paint: { "circle-radius": 3, "circle-opacity": 0.8,
        "circle-color": ["case", ["get", "exact"], COLOURS.volunteer, COLOURS.volunteerCoarse] } },
    { id: "stations", type: "circle", source: "stations", "source-layer": "stations",
      paint: { "circle-radius": 4, "circle-color": COLOURS.station,
        "circle-stroke-color": "#fff", "circle-stroke-width": 1 } },
    { id: "lines", type: "line", source: "lines",
      paint: { "line-color": COLOURS.line, "line-width": 1.5, "line-opacity": 0.8 } },
    { id: "demands", type: "circle", source: "demands", "source-layer": "demands",
      paint: { "circle-radius": 6, "circle-stroke-color": "#fff", "circle-stroke-width": 1.5,
        "circle-color": ["match", ["get", "status"], "open", COLOURS.open, "dispatched",
          COLOURS.dispatched, "in_progress", COLOURS.in_progress, "done", COLOURS.done, "#999"] } },
    { id: "unfilled", type: "circle", source: "unfilled",
      paint: { "circle-radius": 10, "circle-color": "rgba(0,0,0,0)",
        "circle-stroke-color": COLOURS.unfilled, "circle-stroke-width": 2.5 } },
    { id: "accepted", type: "circle", source: "accepted",
      paint: { "circle-radius": 13, "circle-color": "rgba(43,147,72,0.15)",
        "circle-stroke-color": COLOURS.accepted, "circle-stroke-width": 3 } },
    { id: "order-place", type: "circle", source: "order",
      paint: { "circle-radius": 7, "circle-color": "#ffd166", "circle-stroke-color": "#000",
        "circle-stroke-width": 1.5 } },
  ];
}

export function buildStyle(config, query) {
  const online = basemap(config);
  const vector = (layer) => ({ type: "vector", tiles: [tileUrl(layer, query)], maxzoom: 16 });
  return {
    version: 8,
    glyphs: `${location.origin}/console/glyphs/{fontstack}/{range}.pbf`,
    sources: {
      ...online.sources,
      // Borders are simplified to ~500 m: tiles past zoom 10 are zoom 10's, enlarged.
      boundaries: { type: "geojson", data: EMPTY, maxzoom: 10 },
      selected: { type: "geojson", data: EMPTY },
      regions: { type: "geojson", data: `${location.origin}/console/regions.geojson` },
      volunteers: vector("volunteers"),
      stations: vector("stations"),
      demands: vector("demands"),
      lines: { type: "geojson", data: EMPTY },
      unfilled: { type: "geojson", data: EMPTY },
      accepted: { type: "geojson", data: EMPTY },
      order: { type: "geojson", data: EMPTY },
    },
    layers: [
      { id: "background", type: "background", paint: { "background-color": "#f3f1ea" } },
      ...online.layers,
      ...borders(),
      { id: "seats", type: "circle", source: "regions",
        filter: ["all", ["==", ["geometry-type"], "Point"], SEATS],
        paint: { "circle-radius": ["match", ["get", "level"], "province", 4, "city", 3, 2],
          "circle-color": "#fff", "circle-stroke-color": "#6b7b8c", "circle-stroke-width": 1 } },
      ...hubLayers(),
      { id: "seat-labels", type: "symbol", source: "regions",
        filter: ["all", ["==", ["geometry-type"], "Point"], SEATS],
        layout: { "text-field": ["get", "name"], "text-size": 12, "text-offset": [0, 0.9],
          "text-anchor": "top", "text-font": ["sans"] },
        paint: { "text-color": "#34424f", "text-halo-color": "#fff", "text-halo-width": 1.2 } },
    ],
  };
}

// Highlight the selected region (a feature of the borders, or none) with its own small
// source, so the borders' tiles are not laid out again.
export function selectRegion(map, feature) {
  map.getSource("selected")?.setData(feature ?? EMPTY);
}
