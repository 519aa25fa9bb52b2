// Forms of the console's side panels, built from a list of fields: each field rendered with
// its label and a place for its error, read and checked before anything is sent (required,
// lengths, number ranges, YYYY-MM-DD and HH:MM), and the API's coded errors put next to the
// field they name (the rest above the buttons), in the console's language.
import { getToken, gql, mutate } from "./api.js";
import { validDay } from "./dates.js";
import { codes, getLang, label, t } from "./i18n.js";
import { TEAMS } from "./ops.js";

export const $ = (id) => document.getElementById(id);
export const esc = (s) => String(s ?? "").replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
export const option = (value, text) => Object.assign(document.createElement("option"),
  { value, textContent: text });
const HM = /^([01]\d|2[0-3]):[0-5]\d$|^24:00$/;

// The global ID of a node (relay's: base64 of "Type:key").
export const gid = (type, key) => btoa(`${type}:${key}`);

// The signed-in caller's token claims (role, region, org, station), or {}.
export function claims() {
  try {
    const body = getToken().split(".")[1].replace(/-/g, "+").replace(/_/g, "/");
    return JSON.parse(new TextDecoder().decode(Uint8Array.from(atob(body), (c) => c.charCodeAt(0))));
  } catch {
    return {};
  }
}

function control(f) {
  const attrs = { name: f.name };
  if (f.type === "textarea") return Object.assign(document.createElement("textarea"), attrs, { rows: 2 });
  if (f.type === "select" || f.type === "multi") {
    const select = Object.assign(document.createElement("select"), attrs);
    if (f.type === "multi") Object.assign(select, { multiple: true, size: 3 });
    return select;
  }
  if (f.type === "checks") {
    const box = document.createElement("div");
    box.className = "checks";
    box.dataset.name = f.name;
    for (const o of f.options) {
      box.insertAdjacentHTML("beforeend", `<label><input type="checkbox" name="${f.name}.${o}" value="${o}"><span data-i18n="${f.optionKey}${o}">${esc(t(f.optionKey + o))}</span></label>`);
    }
    return box;
  }
  if (f.type === "place") return Object.assign(document.createElement("output"), attrs);
  const input = Object.assign(document.createElement("input"), attrs);
  if (f.type === "check") input.type = "checkbox";
  if (f.type === "number") Object.assign(input, { type: "number", step: f.step ?? "1" });
  if (f.type === "day") Object.assign(input, { placeholder: "YYYY-MM-DD", maxLength: 10, inputMode: "numeric" });
  if (f.type === "time") Object.assign(input, { placeholder: "HH:MM", maxLength: 5 });
  if (f.type === "file") Object.assign(input, { type: "file", accept: f.accept ?? "" });
  if (f.max && f.type !== "number") input.maxLength = f.max;
  if (f.placeholder) input.placeholder = f.placeholder;
  return input;
}

// The fields of `spec` into `form` (before its buttons); choices of vocabulary selects filled.
export function renderFields(form, spec) {
  const holder = form.querySelector(".fields") ?? form;
  holder.replaceChildren();
  for (const f of spec) {
    const row = document.createElement(f.type === "checks" ? "div" : "label");
    row.className = `field field-${f.type ?? "text"}`;
    row.dataset.field = f.name;
    const name = document.createElement("span");
    name.className = "field-label";
    name.dataset.i18n = f.key;
    name.textContent = t(f.key);
    if (f.required) row.classList.add("required");
    row.append(name, control(f));
    if (f.hint) row.insertAdjacentHTML("beforeend", `<span class="note" data-i18n="${f.hint}">${esc(t(f.hint))}</span>`);
    row.insertAdjacentHTML("beforeend", '<span class="field-error"></span>');
    holder.append(row);
  }
  fillChoices(form, spec);
}

// Vocabulary choices (labels in the current language), keeping what was chosen.
export function fillChoices(form, spec) {
  for (const f of spec.filter((x) => x.vocab)) {
    const select = form.elements[f.name];
    const keep = [...select.selectedOptions].map((o) => o.value);
    const first = f.type === "select" && !f.required ? [option("", "—")] : [];
    select.replaceChildren(...first, ...codes(f.vocab).map((c) => option(c, label(f.vocab, c))));
    for (const o of select.options) o.selected = keep.includes(o.value);
  }
}

// The fields' values, and the errors found before sending: { values, errors: {name: text} }.
export function readFields(form, spec) {
  const values = {};
  const errors = {};
  for (const f of spec) {
    if (f.type === "checks") {
      values[f.name] = Object.fromEntries(f.options.map((o) =>
        [o, form.elements[`${f.name}.${o}`].checked]));
      continue;
    }
    const el = form.elements[f.name];
    if (!el || f.type === "place") continue;
    if (f.type === "check") {
      values[f.name] = el.checked;
      continue;
    }
    if (f.type === "multi") {
      values[f.name] = [...el.selectedOptions].map((o) => o.value);
      if (f.required && !values[f.name].length) errors[f.name] = t("errRequired");
      continue;
    }
    if (f.type === "file") {
      values[f.name] = el.files?.[0] ?? null;
      if (f.required && !values[f.name]) errors[f.name] = t("errRequired");
      continue;
    }
    const text = el.value.trim();
    values[f.name] = text === "" ? null : text;
    if (text === "") {
      if (f.required) errors[f.name] = t("errRequired");
      continue;
    }
    const error = check(f, text);
    if (error) errors[f.name] = error;
    else if (f.type === "number") values[f.name] = Number(text);
  }
  return { values, errors };
}

function check(f, text) {
  if (f.type === "number") {
    const n = Number(text);
    if (!Number.isFinite(n) || (f.step !== "any" && !Number.isInteger(n))) return t("errNumber");
    if ((f.min !== undefined && n < f.min) || (f.max !== undefined && n > f.max)) {
      return t("errRange", { min: f.min ?? "", max: f.max ?? "" });
    }
    return null;
  }
  if (f.type === "day" && !validDay(text)) return t("badDate");
  if (f.type === "time" && !HM.test(text)) return t("errTime");
  if (f.max && text.length > f.max) return t("errLength", { max: f.max });
  if (f.min && text.length < f.min) return t("errMinLength", { min: f.min });
  if (f.pattern && !f.pattern.test(text)) return t(f.patternKey ?? "errFormat");
  return null;
}

// Errors next to their fields; those naming no field of the form (or none) in `.form-error`.
// `errors`: {name: text} found here, or the API's [{field, code, messageZh, messageEn}].
// `alias`: the form field for an API field (startsAt → startDay).
export function showErrors(form, errors, alias = {}) {
  for (const el of form.querySelectorAll(".field-error")) el.textContent = "";
  for (const el of form.querySelectorAll(".field.invalid")) el.classList.remove("invalid");
  const general = form.querySelector(".form-error");
  general.textContent = "";
  const list = Array.isArray(errors) ? errors.map((e) => [e.field, apiText(e)])
    : Object.entries(errors);
  const rest = [];
  for (const [field, text] of list) {
    const own = String(field ?? "").split(/[[.]/)[0];
    const name = alias[own] ?? own;
    const row = name && form.querySelector(`.field[data-field="${name}"]`);
    if (row) {
      row.classList.add("invalid");
      const out = row.querySelector(".field-error");
      out.textContent = out.textContent ? `${out.textContent}; ${text}` : text;
    } else {
      rest.push(text);
    }
  }
  general.textContent = rest.join("；");
  return list.length === 0;
}

// An API user error in the console's language, with its code.
export const apiText = (e) =>
  `${getLang() === "zh" ? e.messageZh : (e.messageEn ?? e.message)}${e.code ? ` [${e.code}]` : ""}`;

// Send a mutation from a form: its errors shown by the fields; the payload, or null.
export async function send(form, query, variables, alias = {}) {
  const done = form.querySelector(".form-done");
  if (done) done.textContent = "";
  try {
    const payload = await mutate(query, variables);
    showErrors(form, []);
    return payload;
  } catch (err) {
    showErrors(form, err.errors ?? [{ field: null, messageZh: err.message,
      messageEn: err.message, code: err.codes?.[0] }], alias);
    return null;
  }
}

export function said(form, text) {
  const done = form.querySelector(".form-done");
  if (done) done.textContent = text;
}

// Edges of a connection as nodes.
export const nodes = (connection) => (connection?.edges ?? []).map((e) => e.node);

// The signed-in org admin's team and the teams beneath it, indented: [{id, name}].
export async function myTeams() {
  const { org } = claims();
  const out = [];
  const walk = (o, depth) => {
    out.push({ id: o.id, name: `${"\u3000".repeat(depth)}${o.name}` });
    for (const c of o.children ?? []) walk(c, depth + 1);
  };
  if (org == null) return out;
  const { node } = await gql(TEAMS, { id: gid("Organization", org) }).catch(() => ({}));
  if (node) walk(node, 0);
  return out;
}
