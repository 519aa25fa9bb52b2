// 区域设置 (dispatchers, admins): whether 抢单 claims need a dispatcher's approval, and after
// how many hours pending service records confirm themselves, for a region and the regions
// beneath it. Each shows where its value comes from: set here, inherited from a region
// above (named), or the hub's default; "inherit" gives the setting back to the region above.
import { gql } from "./api.js";
import { t } from "./i18n.js";
import * as ops from "./ops.js";
import { $, claims, esc, option, readFields, renderFields, said, send, showErrors } from "./ui.js";

const CODE = /^(\d{6}|\d{9}|\d{12})$/;
const SPEC = [
  { name: "claimsNeedApproval", key: "setClaims", type: "select" },
  { name: "recordAutoConfirmHours", key: "setHours", type: "number", min: 1, max: 2160,
    hint: "setHoursHint" },
];
let loaded = null;

const PANEL = `<h2 data-i18n="tabSettings"></h2>
  <form id="set-region-form" novalidate class="inline">
    <label class="field" data-field="regionCode"><span data-i18n="setRegion"></span>
      <input name="regionCode" maxlength="12" inputmode="numeric">
      <span class="field-error"></span></label>
    <button type="submit" data-i18n="setLoad"></button><p class="form-error"></p></form>
  <dl id="set-now"></dl>
  <form id="set-form" novalidate><div class="fields"></div>
    <p class="form-error"></p><p class="form-done"></p>
    <div class="actions"><button type="submit" data-i18n="setSave"></button></div></form>`;

const regionName = (code) => [...document.querySelectorAll("#province option, #city option")]
  .find((o) => o.value === code || o.value === `${code}`.padEnd(12, "0"))?.text ?? code;

function source(s) {
  if (s.source === "OWN") return t("srcOwn");
  if (s.source === "INHERITED") return t("srcInherited", { region: regionName(s.fromRegionCode) });
  return t("srcDefault");
}

function show(settings) {
  loaded = settings;
  const c = settings.claimsNeedApproval;
  const h = settings.recordAutoConfirm;
  const hours = h.hours == null ? t("setNever") : t("setHoursValue", { h: h.hours });
  $("set-now").innerHTML = `<dt>${esc(t("setClaims"))}</dt><dd data-source="${c.source}">
    ${esc(t(c.value ? "yes" : "no"))} <span class="note">${esc(source(c))}</span></dd>
    <dt>${esc(t("setHours"))}</dt><dd data-source="${h.source}">${esc(hours)}
    <span class="note">${esc(source(h))}</span></dd>`;
  const form = $("set-form");
  form.elements.claimsNeedApproval.value = c.source === "OWN" ? String(c.value) : "";
  form.elements.recordAutoConfirmHours.value = h.source === "OWN" && h.hours != null ? h.hours : "";
  form.hidden = false;
}

function fillChoice(form) {
  const select = form.elements.claimsNeedApproval;
  const keep = select.value;
  select.replaceChildren(option("", t("setInherit")), option("true", t("yes")),
    option("false", t("no")));
  select.value = keep;
}

async function load(code) {
  const form = $("set-region-form");
  showErrors(form, []);
  if (!CODE.test(code)) {
    showErrors(form, { regionCode: t("errRegionCode") });
    return;
  }
  said($("set-form"), "");
  showErrors($("set-form"), []);
  try {
    show((await gql(ops.REGION_SETTINGS, { code })).regionSettings);
  } catch (err) {
    showErrors(form, { regionCode: err.message });
  }
}

async function save() {
  const form = $("set-form");
  const { values, errors } = readFields(form, SPEC);
  if (Object.keys(errors).length || !loaded) {
    showErrors(form, errors);
    return;
  }
  const input = { regionCode: loaded.regionCode };
  const own = (s) => (s.source === "OWN" ? s : null);
  const claimsNow = own(loaded.claimsNeedApproval)?.value ?? null;
  const claimsAsked = values.claimsNeedApproval == null ? null : values.claimsNeedApproval === "true";
  if (claimsAsked !== claimsNow) input.claimsNeedApproval = claimsAsked;
  const hoursNow = own(loaded.recordAutoConfirm)?.hours ?? null;
  if ((values.recordAutoConfirmHours ?? null) !== hoursNow) {
    input.recordAutoConfirmHours = values.recordAutoConfirmHours ?? null;
  }
  if (Object.keys(input).length === 1) {
    showErrors(form, { "": t("setNoChange") });
    return;
  }
  const payload = await send(form, ops.UPDATE_REGION_SETTINGS, { input });
  if (payload) {
    show(payload.settings);
    said(form, t("setSaved", { n: payload.pendingRecordsRescheduled }));
  }
}

export const settingsPanel = {
  mount(section) {
    section.innerHTML = PANEL;
    const form = $("set-form");
    renderFields(form, SPEC);
    fillChoice(form);
    form.hidden = true;
    this.relabel(section);
    $("set-region-form").addEventListener("submit", (e) => {
      e.preventDefault();
      load($("set-region-form").elements.regionCode.value.trim());
    });
    form.addEventListener("submit", (e) => {
      e.preventDefault();
      save();
    });
  },
  async open() {
    const input = $("set-region-form").elements.regionCode;
    if (!input.value) input.value = claims().region ?? "";
    if (input.value) await load(input.value.trim());
  },
  relabel(section) {
    for (const el of section.querySelectorAll("[data-i18n]")) el.textContent = t(el.dataset.i18n);
    fillChoice($("set-form"));
    if (loaded) show(loaded);
  },
};
