// 点单: raise a demand at a place chosen on the map (at a nearby station, or in the county
// whose border holds the place), for a day and hours, with a category and skills.
import { NEAREST_STATIONS, RAISE_DEMAND, gql, mutate } from "./api.js";
import { countyAt } from "./boundaries.js";
import { atChina, validDay } from "./dates.js";
import { codes, label, t } from "./i18n.js";

const $ = (id) => document.getElementById(id);
const esc = (s) => String(s ?? "").replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`);
let place = null;

const option = (value, text) => Object.assign(document.createElement("option"),
  { value, textContent: text });

export function fillOrderChoices() {
  const category = $("order-category");
  const skills = $("order-skills");
  const keep = [category.value, [...skills.selectedOptions].map((o) => o.value)];
  category.replaceChildren(...codes("category").map((c) => option(c, label("category", c))));
  skills.replaceChildren(...codes("skill").map((c) => {
    const o = option(c, label("skill", c));
    o.selected = keep[1].includes(c);
    return o;
  }));
  if (keep[0]) category.value = keep[0];
}

// The map was clicked while the 点单 form is open: that is the place.
export async function pickPlace(map, lngLat) {
  place = { lon: lngLat.lng, lat: lngLat.lat, county: countyAt(lngLat.lng, lngLat.lat) };
  map.getSource("order").setData({ type: "Feature", properties: {},
    geometry: { type: "Point", coordinates: [place.lon, place.lat] } });
  $("order-place").textContent = `${place.county?.name ?? "?"} · ${place.lon.toFixed(5)}, ${place.lat.toFixed(5)}`;
  const select = $("order-station");
  select.replaceChildren(option("", t("orderNoStation")));
  try {
    const { nearestStations } = await gql(NEAREST_STATIONS,
      { point: { lon: place.lon, lat: place.lat }, k: 5 });
    for (const s of nearestStations) {
      select.append(option(s.id, `${s.name} · ${label("stationKind", s.kind)} · ${(s.distanceM / 1000).toFixed(1)} ${t("km")}`));
    }
  } catch { /* no stations listed: the place alone is used */ }
}

export async function submitOrder(refresh) {
  const out = $("order-result");
  out.className = "";
  const day = validDay($("order-date").value);
  if (!place) {
    out.textContent = t("orderNeedPlace");
    return;
  }
  if (!day) {
    out.textContent = t("badDate");
    return;
  }
  const station = $("order-station").value;
  if (!station && !place.county) {
    out.textContent = t("orderNoRegion");
    return;
  }
  const input = {
    title: $("order-title").value.trim(), category: $("order-category").value,
    needed: Number($("order-needed").value), description: $("order-description").value.trim(),
    startsAt: atChina(day, $("order-start").value).toISOString(),
    endsAt: atChina(day, $("order-end").value).toISOString(),
    requiredSkills: [...$("order-skills").selectedOptions].map((o) => o.value),
    // At a station: its location and region; else the place, in the county that holds it.
    ...(station ? { stationId: station }
      : { regionCode: place.county.code, location: { lon: place.lon, lat: place.lat } }),
  };
  try {
    const { demand } = await mutate(RAISE_DEMAND, { input });
    out.textContent = t("orderDone", { title: demand.title });
    out.className = "done";
    out.dataset.demand = demand.id;
    refresh();
  } catch (err) {
    out.innerHTML = `<span class="error">${esc(err.message)}</span>`;
  }
}
