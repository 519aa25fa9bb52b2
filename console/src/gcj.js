// An Amap-style raster basemap is drawn in GCJ-02; our data is WGS-84. A "gcj://" protocol
// composes each WGS-84 tile from the GCJ-02 tiles that cover it, shifted by the local offset.
const A = 6378245.0;
const EE = 0.00669342162296594323;

function inChina(lon, lat) {
  return lon > 72.004 && lon < 137.8347 && lat > 0.8293 && lat < 55.8271;
}

function shiftLat(x, y) {
  let r = -100 + 2 * x + 3 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * Math.sqrt(Math.abs(x));
  r += ((20 * Math.sin(6 * x * Math.PI) + 20 * Math.sin(2 * x * Math.PI)) * 2) / 3;
  r += ((20 * Math.sin(y * Math.PI) + 40 * Math.sin((y / 3) * Math.PI)) * 2) / 3;
  return r + ((160 * Math.sin((y / 12) * Math.PI) + 320 * Math.sin((y * Math.PI) / 30)) * 2) / 3;
}

function shiftLon(x, y) {
  let r = 300 + x + 2 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * Math.sqrt(Math.abs(x));
  r += ((20 * Math.sin(6 * x * Math.PI) + 20 * Math.sin(2 * x * Math.PI)) * 2) / 3;
  r += ((20 * Math.sin(x * Math.PI) + 40 * Math.sin((x / 3) * Math.PI)) * 2) / 3;
  return r + ((150 * Math.sin((x / 12) * Math.PI) + 300 * Math.sin((x / 30) * Math.PI)) * 2) / 3;
}

export function wgs84ToGcj02(lon, lat) {
  if (!inChina(lon, lat)) return [lon, lat];
  const rad = (lat / 180) * Math.PI;
  const magic = 1 - EE * Math.sin(rad) ** 2;
  const dLat = (shiftLat(lon - 105, lat - 35) * 180) / (((A * (1 - EE)) / (magic * Math.sqrt(magic))) * Math.PI);
  const dLon = (shiftLon(lon - 105, lat - 35) * 180) / ((A / Math.sqrt(magic)) * Math.cos(rad) * Math.PI);
  return [lon + dLon, lat + dLat];
}

const tileX = (lon, n) => ((lon + 180) / 360) * n;
const tileY = (lat, n) => ((1 - Math.asinh(Math.tan((lat * Math.PI) / 180)) / Math.PI) / 2) * n;
const tileLon = (x, n) => (x / n) * 360 - 180;
const tileLat = (y, n) => (Math.atan(Math.sinh(Math.PI * (1 - (2 * y) / n))) * 180) / Math.PI;

// Register "gcj://z/x/y" for MapLibre: fetch GCJ tiles from `template` and re-project.
export function gcjProtocol(template, size = 256) {
  return async (params) => {
    const [z, x, y] = params.url.replace("gcj://", "").split("/").map(Number);
    const n = 2 ** z;
    const [glon, glat] = wgs84ToGcj02(tileLon(x + 0.5, n), tileLat(y + 0.5, n));
    const dx = tileX(glon, n) - (x + 0.5);
    const dy = tileY(glat, n) - (y + 0.5);
    const canvas = new OffscreenCanvas(size, size);
    const ctx = canvas.getContext("2d");
    const x0 = Math.floor(x + dx);
    const y0 = Math.floor(y + dy);
    const jobs = [];
    for (const [tx, ty] of [[x0, y0], [x0 + 1, y0], [x0, y0 + 1], [x0 + 1, y0 + 1]]) {
      const url = template.replace("{z}", z).replace("{x}", tx).replace("{y}", ty);
      jobs.push(fetch(url).then((r) => r.blob()).then(createImageBitmap).then((img) => {
        ctx.drawImage(img, (tx - x - dx) * size, (ty - y - dy) * size, size, size);
      }).catch(() => undefined));
    }
    await Promise.all(jobs);
    const blob = await canvas.convertToBlob();
    return { data: await blob.arrayBuffer() };
  };
}
