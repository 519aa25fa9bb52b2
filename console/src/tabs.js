// The side panel's tabs: 调度 (the map's dispatch, main.js) and the panels a dispatcher or an
// org admin works in — 审核, 新建/编辑, 签到, 区域设置, 需求导入, 成员. A tab shows for the roles
// in its data-roles (everyone's before signing in is only 调度); a panel is built the first
// time it is opened and loads its data again each time. A panel that wants a place asks the
// map's next click for it (`askPlace`).
import { label, t } from "./i18n.js";
import { $, claims } from "./ui.js";

const panels = {};
let current = "dispatch";
let placeWanted = null;

// name → { mount(section, ctx), open(section, ctx), relabel(section, ctx), close(ctx) }
export function register(name, panel) {
  panels[name] = panel;
}

export const activeTab = () => current;

// The next map click goes to `onPlace(lngLat)` while the form that asked is shown.
export function askPlace(onPlace) {
  placeWanted = { tab: current, onPlace };
}

// A map click: to the panel that asked for a place, if it is the one shown. True if taken.
export function takePlace(lngLat) {
  if (!placeWanted || placeWanted.tab !== current) return false;
  placeWanted.onPlace(lngLat);
  return true;
}

export async function show(name, ctx) {
  if (current !== name) panels[current]?.close?.(ctx);
  current = name;
  for (const button of document.querySelectorAll("#tabs button")) {
    button.setAttribute("aria-selected", String(button.dataset.tab === name));
  }
  for (const section of document.querySelectorAll("#panel .tab")) {
    section.hidden = section.id !== `tab-${name}`;
  }
  const panel = panels[name];
  if (!panel) return;
  const section = $(`tab-${name}`);
  if (!section.dataset.mounted) {
    section.dataset.mounted = "1";
    await panel.mount(section, ctx);
  }
  await panel.open?.(section, ctx);
}

// The tabs the signed-in role may use; back to 调度 if the shown one is not among them.
export function showTabsFor(ctx) {
  const { role } = claims();
  for (const button of document.querySelectorAll("#tabs button[data-roles]")) {
    button.hidden = !role || !button.dataset.roles.split(" ").includes(role);
  }
  const shown = document.querySelector(`#tabs button[data-tab="${current}"]`);
  if (shown?.hidden) show("dispatch", ctx);
  else if (current !== "dispatch") show(current, ctx);
}

export function relabelTabs(ctx) {
  for (const [name, panel] of Object.entries(panels)) {
    const section = $(`tab-${name}`);
    if (section.dataset.mounted) panel.relabel?.(section, ctx);
  }
}

export function wireTabs(ctx) {
  for (const button of document.querySelectorAll("#tabs button")) {
    button.addEventListener("click", () => show(button.dataset.tab, ctx));
  }
  showTabsFor(ctx);
}

// "审核未通过 (rejected)"-style status words from the vocabulary; a code stays itself.
export const statusLabel = (kind, status) => label(`${kind}Status`, status) || t(status);
