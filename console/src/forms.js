// The fields of a station, an activity and a project (issue 14.2), how an existing one fills
// the form, and how the form becomes the API's input (checked first: required fields, ranges,
// YYYY-MM-DD, HH:MM, a window that ends after it starts).
import { atChina, validDay, ymd, ymdHm } from "./dates.js";
import { t } from "./i18n.js";

const SIX = ["place", "team", "projects", "facilities", "rules", "signage"];
const DAYS = ["1", "2", "3", "4", "5", "6", "7"];
const PHONE = /^1\d{10}$/;

export const SPECS = {
  station: [
    { name: "name", key: "fName", required: true, max: 100 },
    { name: "kind", key: "fKind", type: "select", vocab: "stationKind", required: true },
    { name: "address", key: "fAddress", max: 200 },
    { name: "location", key: "fLocation", type: "place", required: true, hint: "pickOnMap" },
    { name: "sixHas", key: "fSixHas", type: "checks", options: SIX, optionKey: "six_" },
    { name: "openDays", key: "fOpenDays", type: "checks", options: DAYS, optionKey: "wd" },
    { name: "openStart", key: "fOpenStart", type: "time", placeholder: "09:00" },
    { name: "openEnd", key: "fOpenEnd", type: "time", placeholder: "17:00" },
    { name: "contactName", key: "fContactName", max: 50 },
    { name: "contactPhone", key: "fContactPhone", max: 11, pattern: PHONE, patternKey: "errPhone" },
  ],
  activity: [
    { name: "title", key: "fTitle", required: true, max: 100 },
    { name: "organizationId", key: "fTeam", type: "select", required: true, choices: "teams" },
    { name: "projectId", key: "fProject", type: "select", choices: "projects" },
    { name: "category", key: "category", type: "select", vocab: "category", required: true },
    { name: "startDay", key: "fStartDay", type: "day", required: true },
    { name: "startTime", key: "fStartTime", type: "time", required: true, placeholder: "09:00" },
    { name: "endDay", key: "fEndDay", type: "day", required: true },
    { name: "endTime", key: "fEndTime", type: "time", required: true, placeholder: "11:00" },
    { name: "location", key: "fPlace", type: "place", hint: "pickOnMapOrStation" },
    { name: "stationId", key: "orderStation", type: "select", choices: "stations" },
    { name: "capacity", key: "fCapacity", type: "number", required: true, min: 1, max: 10000 },
    { name: "requiredSkills", key: "skills", type: "multi", vocab: "skill" },
    { name: "safetyPlan", key: "fSafetyPlan", type: "textarea", max: 2000, hint: "safetyPlanHint" },
    { name: "requiresInsurance", key: "fInsurance", type: "check" },
    { name: "description", key: "orderDescription", type: "textarea", max: 2000 },
  ],
  project: [
    { name: "name", key: "fName", required: true, max: 100 },
    { name: "ownerId", key: "fTeam", type: "select", required: true, choices: "teams" },
    { name: "category", key: "category", type: "select", vocab: "category" },
    { name: "startsOn", key: "fStartsOn", type: "day", required: true },
    { name: "endsOn", key: "fEndsOn", type: "day", required: true },
    { name: "fundingYuan", key: "fFunding", type: "number", min: 0, max: 1e10, step: "any" },
    { name: "fundingSource", key: "fFundingSource", max: 100 },
    { name: "subProgramme", key: "fSubProgramme", type: "select", vocab: "subProgramme" },
    { name: "description", key: "orderDescription", type: "textarea", max: 2000 },
  ],
};

// Which fields the API names for a form field (its errors go beside it).
export const API_FIELD = { startsAt: "startDay", endsAt: "endDay", openingHours: "openDays",
  regionCode: "location" };

const set = (form, name, value) => {
  const el = form.elements[name];
  if (el) el.value = value ?? "";
};

export function setPlace(form, point, region) {
  const out = form.elements.location;
  if (!out) return;  // a project has no place
  if (!point) {
    delete out.dataset.lon;
    out.value = "";
    return;
  }
  Object.assign(out.dataset, { lon: point.lon, lat: point.lat, region: region?.code ?? "" });
  out.value = `${region?.name ?? "?"} · ${point.lon.toFixed(5)}, ${point.lat.toFixed(5)}`;
}

// An existing row into the form.
export function fill(kind, form, n) {
  form.reset();
  for (const f of SPECS[kind]) {
    if (["text", undefined, "textarea"].includes(f.type)) set(form, f.name, n[f.name]);
  }
  if (kind === "station") {
    set(form, "kind", n.kind);
    for (const k of SIX) form.elements[`sixHas.${k}`].checked = Boolean(n.sixHas?.[k]);
    for (const d of DAYS) {
      form.elements[`openDays.${d}`].checked = n.openingHours.some((w) => String(w.weekday) === d);
    }
    set(form, "openStart", n.openingHours[0]?.start);
    set(form, "openEnd", n.openingHours[0]?.end);
  } else if (kind === "activity") {
    set(form, "organizationId", n.organization?.id);
    set(form, "projectId", n.project?.id);
    set(form, "category", n.category);
    const [from, to] = [ymdHm(n.startsAt), ymdHm(n.endsAt)];
    set(form, "startDay", from.slice(0, 10));
    set(form, "startTime", from.slice(11));
    set(form, "endDay", to.slice(0, 10));
    set(form, "endTime", to.slice(11));
    set(form, "capacity", n.capacity);
    for (const o of form.elements.requiredSkills.options) o.selected = n.requiredSkills.includes(o.value);
    form.elements.requiresInsurance.checked = n.requiresInsurance;
    set(form, "stationId", n.station?.id);
  } else {
    set(form, "ownerId", n.owner?.id);
    set(form, "category", n.projectCategory);
    for (const k of ["startsOn", "endsOn", "fundingYuan", "subProgramme"]) set(form, k, n[k]);
  }
  setPlace(form, n.location, n.region);
}

// Defaults of a new one: the coming week's day, 09:00–11:00, 20 places, the first team.
export function blank(kind, form) {
  form.reset();
  setPlace(form, null);
  const day = ymd(new Date(Date.now() + 7 * 86400e3));
  if (kind === "activity") {
    set(form, "startDay", day);
    set(form, "endDay", day);
    set(form, "startTime", "09:00");
    set(form, "endTime", "11:00");
    set(form, "capacity", "20");
  } else if (kind === "project") {
    set(form, "startsOn", day);
    set(form, "endsOn", `${day.slice(0, 4)}-12-31`);
  }
}

const place = (form) => {
  const out = form.elements.location;
  return out?.dataset.lon ? { point: { lon: Number(out.dataset.lon), lat: Number(out.dataset.lat) },
    region: out.dataset.region || null } : null;
};

// The API's input from the checked values, and the errors found beyond each field's own.
export function toInput(kind, form, values) {
  const errors = {};
  const here = place(form);
  if (kind === "station") {
    const days = DAYS.filter((d) => values.openDays[d]).map(Number);
    if (days.length && !(values.openStart && values.openEnd)) errors.openStart = t("errHours");
    else if (days.length && values.openStart >= values.openEnd) errors.openEnd = t("errOrder");
    if (!here) errors.location = t("orderNeedPlace");
    else if (!here.region) errors.location = t("orderNoRegion");
    const { openDays, openStart, openEnd, ...rest } = values;
    return { errors, input: { ...rest, location: here?.point, regionCode: here?.region,
      openingHours: days.map((weekday) => ({ weekday, start: openStart, end: openEnd })) } };
  }
  if (kind === "activity") {
    const { startDay, startTime, endDay, endTime, ...rest } = values;
    const ok = validDay(startDay ?? "") && validDay(endDay ?? "") && startTime && endTime;
    const startsAt = ok ? atChina(startDay, startTime) : null;
    const endsAt = ok ? atChina(endDay, endTime) : null;
    if (ok && endsAt <= startsAt) errors.endDay = t("errOrder");
    if (!here && !values.stationId) errors.location = t("errPlaceOrStation");
    else if (here && !values.stationId && !here.region) errors.location = t("orderNoRegion");
    const where = values.stationId ? {} : { location: here?.point, regionCode: here?.region };
    return { errors, input: { ...rest, ...where, startsAt: startsAt?.toISOString(),
      endsAt: endsAt?.toISOString(), projectId: values.projectId || null } };
  }
  if (values.startsOn && values.endsOn && values.endsOn < values.startsOn) {
    errors.endsOn = t("errOrder");
  }
  return { errors, input: { ...values,
    fundingYuan: values.fundingYuan == null ? null : String(values.fundingYuan) } };
}

// Only what changed since the row was loaded (a live row refuses edits of locked fields).
export function changes(input, original) {
  return Object.fromEntries(Object.entries(input).filter(([k, v]) =>
    JSON.stringify(v ?? null) !== JSON.stringify(original?.[k] ?? null)));
}
