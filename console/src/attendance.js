// 签到: for an activity the signed-in organiser runs (or a dispatcher's region holds), the
// rotating attendance code as a QR image (npm `qrcode`, bundled: nothing from another host),
// asked for again when it rotates, so the code shown is always accepted; with the places
// taken and left and the sign-up list with its waitlist.
import QRCode from "qrcode";
import { gql, mutate } from "./api.js";
import { ymdHm } from "./dates.js";
import { label, t } from "./i18n.js";
import * as ops from "./ops.js";
import { $, apiText, claims, esc, gid, nodes, option } from "./ui.js";

const state = { timer: null, tick: null, code: null, activities: [] };

const PANEL = `<h2 data-i18n="tabAttendance"></h2>
  <label><span data-i18n="attActivity"></span> <select id="att-activity"></select></label>
  <div class="actions"><button type="button" id="att-show" data-i18n="attShow"></button>
    <button type="button" id="att-stop" data-i18n="attStop" disabled></button></div>
  <p class="form-error" id="att-error"></p>
  <figure id="att-qr" hidden><canvas id="att-canvas"></canvas>
    <figcaption><code id="att-code"></code><br><span id="att-valid"></span></figcaption></figure>
  <dl id="att-facts"></dl>
  <h3 data-i18n="attSignUps"></h3>
  <ol id="att-signups" class="note"></ol>`;

function stop() {
  clearTimeout(state.timer);
  clearInterval(state.tick);
  state.timer = null;
  state.code = null;
  if ($("att-stop")) $("att-stop").disabled = true;
}

function countdown() {
  const c = state.code;
  if (!c) return;
  const left = Math.max(0, Math.round((new Date(c.rotatesAt) - Date.now()) / 1000));
  $("att-valid").textContent = t("attRotates", { s: left, until: ymdHm(c.validUntil).slice(11) });
}

// Ask for the current code, draw it, and ask again when it rotates (a second early).
async function issue(activityId) {
  $("att-error").textContent = "";
  try {
    const { attendanceCode: c } = await mutate(ops.ISSUE_CODE, { input: { activityId } });
    state.code = c;
    await QRCode.toCanvas($("att-canvas"), c.code, { width: 240, margin: 2,
      errorCorrectionLevel: "M" });
    $("att-code").textContent = c.code;
    $("att-qr").hidden = false;
    $("att-qr").dataset.code = c.code;
    countdown();
    const wait = Math.max(1000, new Date(c.rotatesAt) - Date.now() - 1000);
    state.timer = setTimeout(() => issue(activityId), wait);
  } catch (err) {
    stop();
    $("att-qr").hidden = true;
    $("att-error").textContent = err.errors ? err.errors.map(apiText).join("；") : err.message;
  }
}

function facts(a) {
  const rows = [["when", `${ymdHm(a.startsAt)} – ${ymdHm(a.endsAt).slice(11)}`],
    ["where", a.station?.name ?? a.region?.name ?? "—"], ["capacity", a.capacity],
    ["attSignedUp", a.signedUp], ["attPlacesLeft", a.placesLeft]];
  $("att-facts").innerHTML = rows.map(([k, v]) => `<dt>${esc(t(k))}</dt><dd>${esc(v)}</dd>`).join("");
}

// Who signed up, places first, then the waitlist in its order.
async function signUps(a) {
  const out = $("att-signups");
  try {
    const { node } = await gql(ops.ACTIVITY_SIGN_UPS, { id: a.id });
    const rows = nodes(node?.signUps);
    out.replaceChildren(...rows.map((s) => {
      const li = document.createElement("li");
      li.dataset.status = s.status;
      const where = s.status === "waitlisted" ? ` #${s.waitlistPosition}` : "";
      const checked = s.checkedInAt ? ` · ${t("attCheckedIn")} ${ymdHm(s.checkedInAt).slice(11)}` : "";
      li.textContent = `${s.volunteer?.name ?? "—"} · ${label("signUpStatus", s.status)}${where}${checked}`;
      return li;
    }));
    if (!rows.length) out.innerHTML = `<li>${esc(t("nothingHere"))}</li>`;
  } catch (err) {
    out.innerHTML = `<li class="error">${esc(err.message)}</li>`;
  }
}

async function loadActivities() {
  const { org, region, role } = claims();
  const select = $("att-activity");
  const keep = select.value;
  const vars = { statuses: ["published", "closed"],
    org: org != null ? gid("Organization", org) : null,
    region: role === "dispatcher" ? region : null };
  try {
    state.activities = nodes((await gql(ops.LIST.activity, vars)).activities);
  } catch (err) {
    $("att-error").textContent = err.message;
    state.activities = [];
  }
  select.replaceChildren(...state.activities.map((a) =>
    option(a.id, `${a.title} · ${ymdHm(a.startsAt)}`)));
  if (!state.activities.length) select.replaceChildren(option("", t("nothingHere")));
  if (keep && state.activities.some((a) => a.id === keep)) select.value = keep;
  const chosen = state.activities.find((a) => a.id === select.value);
  if (chosen) {
    facts(chosen);
    signUps(chosen);
  }
}

function relabel(section) {
  for (const el of section.querySelectorAll("[data-i18n]")) el.textContent = t(el.dataset.i18n);
  countdown();
}

export const attendancePanel = {
  mount(section) {
    section.innerHTML = PANEL;
    relabel(section);
    $("att-activity").addEventListener("change", () => {
      stop();
      $("att-qr").hidden = true;
      const a = state.activities.find((x) => x.id === $("att-activity").value);
      if (a) {
        facts(a);
        signUps(a);
      }
    });
    $("att-show").addEventListener("click", () => {
      const id = $("att-activity").value;
      if (!id) return;
      stop();
      $("att-stop").disabled = false;
      state.tick = setInterval(countdown, 1000);
      issue(id);
    });
    $("att-stop").addEventListener("click", () => {
      stop();
      $("att-qr").hidden = true;
    });
  },
  open: () => loadActivities(),
  relabel,
};

// Leaving the tab keeps the code running (the organiser may switch to look at the map).
export const stopAttendance = stop;
