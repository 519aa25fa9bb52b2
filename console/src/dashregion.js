// The 看板's region picker: province → city → county selects filled from `regions(parentCode)`
// (the registered Regions document), starting at the caller's own region (a dispatcher's token
// region; an admin's, if any). A dispatcher's selects above their region are fixed: the API
// would refuse the rest. `onPick(code)` hears every choice; `set(code)` follows a drill-down.
import { REGIONS, gql } from "./api.js";
import { t } from "./i18n.js";
import { claims, option } from "./ui.js";

const LEVELS = ["province", "city", "county"];
const DIGITS = { province: 2, city: 4, county: 6 };
const pad = (prefix) => prefix.padEnd(12, "0");

// The division code's level by its significant digits: province, city or county (or finer).
export function levelOf(code) {
  const used = String(code ?? "").replace(/0+$/, "").length;
  if (used <= 2) return "province";
  return used <= 4 ? "city" : "county";
}

// The code of `code`'s ancestor (or itself) at `level`.
const ancestor = (code, level) => pad(code.slice(0, DIGITS[level]));

export function regionPicker(box, onPick) {
  box.innerHTML = LEVELS.map((l) => `<label><span data-i18n="dashLevel_${l}">${t(`dashLevel_${l}`)}</span>
    <select data-level="${l}" id="dash-pick-${l}"></select></label>`).join("");
  const selects = Object.fromEntries(LEVELS.map((l) => [l, box.querySelector(`[data-level=${l}]`)]));

  async function fill(level, parent) {
    const select = selects[level];
    select.replaceChildren(option("", t("dashAny")));
    if (parent === undefined) return;
    const { regions } = await gql(REGIONS, { parent });
    for (const r of regions) select.append(option(r.code, r.name));
  }

  const current = () => [...LEVELS].reverse().map((l) => selects[l].value).find(Boolean) ?? "";

  // Show `code` in the selects (their lists loaded down to its level).
  async function set(code) {
    const own = claims();
    if (own.role !== "admin" && own.region) {
      const fixed = LEVELS.indexOf(levelOf(own.region));
      for (const [i, level] of LEVELS.entries()) selects[level].disabled = i < fixed;
    }
    if (!selects.province.options.length) await fill("province", null);
    if (!code) return;
    const depth = LEVELS.indexOf(levelOf(code));
    let parent = null;
    for (const [i, level] of LEVELS.entries()) {
      const want = i <= depth ? ancestor(code, level) : "";
      if (i > 0) await fill(level, parent ?? undefined);
      selects[level].value = [...selects[level].options].some((o) => o.value === want) ? want : "";
      parent = selects[level].value || null;
    }
  }

  for (const [i, level] of LEVELS.entries()) {
    selects[level].addEventListener("change", async () => {
      const below = LEVELS.slice(i + 1);
      for (const [j, lower] of below.entries()) {
        await fill(lower, j === 0 && selects[level].value ? selects[level].value : undefined);
      }
      const code = current();
      if (code) onPick(code);
    });
  }
  return {
    set,
    value: current,
    relabel: () => {
      for (const s of Object.values(selects)) if (s.options[0]) s.options[0].textContent = t("dashAny");
    },
  };
}
