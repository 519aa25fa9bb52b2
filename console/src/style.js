// The map style: an offline basemap from our own divisions, an optional online raster basemap,
// and the hub's vector tiles. Chinese names are drawn with the browser's own CJK fonts
// (localIdeographFontFamily), so the glyph endpoint serves no Latin glyphs.
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

export function buildStyle(config, query) {
  const online = basemap(config);
  const vector = (layer) => ({ type: "vector", tiles: [tileUrl(layer, query)], maxzoom: 16 });
  return {
    version: 8,
    glyphs: `${location.origin}/console/glyphs/{fontstack}/{range}.pbf`,
    sources: {
      ...online.sources,
      regions: { type: "geojson", data: `${location.origin}/console/regions.geojson` },
      volunteers: vector("volunteers"),
      stations: vector("stations"),
      demands: vector("demands"),
      lines: { type: "geojson", data: { type: "FeatureCollection", features: [] } },
      unfilled: { type: "geojson", data: { type: "FeatureCollection", features: [] } },
    },
    layers: [
      { id: "background", type: "background", paint: { "background-color": "#eef2f4" } },
      ...online.layers,
      { id: "outlines-fill", type: "fill", source: "regions",
        filter: ["==", ["geometry-type"], "Polygon"],
        paint: { "fill-color": "#dde6dd", "fill-outline-color": "#8a9a8a" } },
      { id: "outlines", type: "line", source: "regions",
        filter: ["!=", ["geometry-type"], "Point"], paint: { "line-color": "#8a9a8a" } },
      { id: "seats", type: "circle", source: "regions", filter: ["all",
        ["==", ["geometry-type"], "Point"],
        ["any", ["==", ["get", "level"], "province"],
          ["all", ["==", ["get", "level"], "city"], [">=", ["zoom"], 5]],
          [">=", ["zoom"], 7.5]]],
      paint: { "circle-radius": ["match", ["get", "level"], "province", 4, "city", 3, 2],
        "circle-color": "#fff", "circle-stroke-color": "#6b7b8c", "circle-stroke-width": 1 } },
      { id: "volunteer-cells", type: "circle", source: "volunteers", "source-layer": "volunteers",
        filter: ["has", "count"],
        paint: { "circle-color": "#2a9d8f", "circle-opacity": 0.55,
          "circle-radius": ["interpolate", ["linear"], ["sqrt", ["get", "count"]], 1, 3, 30, 20] } },
      { id: "volunteer-points", type: "circle", source: "volunteers", "source-layer": "volunteers",
        filter: ["!", ["has", "count"]],
        paint: { "circle-radius": 3, "circle-opacity": 0.8,
          "circle-color": ["case", ["get", "exact"], "#2a9d8f", "#8ab17d"] } },
      { id: "stations", type: "circle", source: "stations", "source-layer": "stations",
        paint: { "circle-radius": 4, "circle-color": "#264653",
          "circle-stroke-color": "#fff", "circle-stroke-width": 1 } },
      { id: "lines", type: "line", source: "lines",
        paint: { "line-color": "#e76f51", "line-width": 1.5, "line-opacity": 0.8 } },
      { id: "demands", type: "circle", source: "demands", "source-layer": "demands",
        paint: { "circle-radius": 6, "circle-stroke-color": "#fff", "circle-stroke-width": 1.5,
          "circle-color": ["match", ["get", "status"], "open", "#f4a261", "dispatched", "#e76f51",
            "in_progress", "#9b5de5", "done", "#2a9d8f", "#999"] } },
      { id: "unfilled", type: "circle", source: "unfilled",
        paint: { "circle-radius": 10, "circle-color": "rgba(0,0,0,0)",
          "circle-stroke-color": "#d62828", "circle-stroke-width": 2.5 } },
      { id: "seat-labels", type: "symbol", source: "regions", filter: ["all",
        ["==", ["geometry-type"], "Point"],
        ["any", ["==", ["get", "level"], "province"],
          ["all", ["==", ["get", "level"], "city"], [">=", ["zoom"], 5]],
          [">=", ["zoom"], 7.5]]],
      layout: { "text-field": ["get", "name"], "text-size": 12, "text-offset": [0, 0.9],
        "text-anchor": "top", "text-font": ["sans"] },
      paint: { "text-color": "#34424f", "text-halo-color": "#fff", "text-halo-width": 1.2 } },
    ],
  };
}
