// The 看板's campaigns (主题活动): a campaign's figures per edition in the region (a line per
// figure, Chart.js), and tagging — the region's activities and demands within an edition's
// dates listed with checkboxes (those tagged with the edition already marked ✓ with their
// reach), tagged (with the reach reported) or untagged, the edition's figures read again after.
import { gql, mutate } from "./api.js";
import { getLang, t } from "./i18n.js";
import { chart, COLOURS } from "./dashchart.js";
import * as ops from "./dashops.js";
import { $, apiText, esc, option } from "./ui.js";

const SERIES = ["hours", "volunteers", "activities", "demands", "peopleServed"];
const state = { code: null, campaigns: [], seq: 0 };

export const CAMPAIGNS_HTML = `<label><span data-i18n="dashCampaign"></span> <select id="dash-campaign"></select></label>
  <p class="note" id="dash-campaign-note"></p>
  <div class="dash-chart"><canvas id="dash-line"></canvas></div>
  <h3 data-i18n="dashTagging"></h3>
  <label><span data-i18n="dashEdition"></span> <select id="dash-edition"></select></label>
  <p id="dash-edition-stats" class="dash-figures"></p>
  <div id="dash-taggable" class="dash-list"></div>
  <form id="dash-tag" class="inline">
    <label><span data-i18n="dashPeopleServed"></span> <input id="dash-people" type="number" min="0"></label>
    <button type="submit" data-i18n="dashTag"></button>
    <button type="button" id="dash-untag" data-i18n="dashUntag"></button>
  </form>
  <p class="form-error" id="dash-tag-error"></p><p class="note" id="dash-tag-done"></p>`;

const campaign = () => state.campaigns.find((c) => c.code === $("dash-campaign").value);
const editions = () => [...(campaign()?.editions ?? [])].sort((a, b) => a.year - b.year);
const stats = (id) => gql(ops.CAMPAIGN_STATS, { id, code: state.code }).then((d) => d.campaignStats);

async function drawLine() {
  const list = editions();
  $("dash-campaign-note").textContent = list.length ? "" : t("dashNoEditions");
  const found = await Promise.all(list.map((e) => stats(e.id)));
  chart($("dash-line"), found.length > 1 ? "line" : "bar", found.map((s) => String(s.edition.year)), SERIES.map((k, i) => ({
    label: t(`s_${k}`), data: found.map((s) => Number(s[k])), borderColor: COLOURS[i],
    backgroundColor: COLOURS[i] })));
}

// The edition's figures and what may be tagged with it; an answer overtaken by a later
// choice is dropped.
async function showEdition() {
  const id = $("dash-edition").value;
  const seq = ++state.seq;
  if (!id || !state.code) {
    $("dash-taggable").innerHTML = "";
    $("dash-edition-stats").textContent = "";
    return;
  }
  const edition = editions().find((e) => e.id === id);
  const to = new Date(`${edition.endsOn}T00:00:00+08:00`);
  to.setDate(to.getDate() + 1);
  try {
    const [s, { activities, demands }] = await Promise.all([stats(id), gql(ops.TAGGABLE, {
      code: state.code, from: `${edition.startsOn}T00:00:00+08:00`, to: to.toISOString() })]);
    if (seq !== state.seq) return;
    $("dash-edition-stats").innerHTML = SERIES.map((k) =>
      `<span data-figure="${k}">${esc(t(`s_${k}`))} <b>${Number(s[k])}</b></span>`).join(" · ");
    const same = $("dash-taggable").dataset.edition === id;
    const ticked = new Set(same ? [...$("dash-taggable").querySelectorAll("input:checked")]
      .map((i) => i.value) : []);
    const row = (kind, n) => {
      const tag = n.campaignTags.find((x) => x.edition.id === id);
      const mark = tag ? ` <span class="tagged">✓ ${esc(t("dashTaggedWith"))}${tag.peopleServed == null ? ""
        : ` · ${esc(t("dashTagReach", { n: tag.peopleServed }))}`}</span>` : "";
      return `<label data-tagged="${tag ? 1 : 0}"><input type="checkbox" data-kind="${kind}" value="${esc(n.id)}"${
        ticked.has(n.id) ? " checked" : ""}>
      ${esc(t(`tag_${kind}`))} · ${esc(n.title)} · ${esc(n.startsAt.slice(0, 10))}${mark}</label>`;
    };
    const rows = [...activities.edges.map((e) => row("activity", e.node)),
      ...demands.edges.map((e) => row("demand", e.node))];
    $("dash-taggable").innerHTML = rows.length ? rows.join("")
      : `<p class="note">${esc(t("dashNothingToTag"))}</p>`;
    Object.assign($("dash-taggable").dataset, { edition: id, code: state.code });
  } catch (err) {
    $("dash-tag-error").textContent = err.message;
  }
}

async function tag(untag) {
  $("dash-tag-error").textContent = "";
  $("dash-tag-done").textContent = "";
  const picked = [...$("dash-taggable").querySelectorAll("input:checked")];
  const ids = (kind) => picked.filter((i) => i.dataset.kind === kind).map((i) => i.value);
  const input = { editionId: $("dash-edition").value, activityIds: ids("activity"),
    demandIds: ids("demand") };
  if (!picked.length) {
    $("dash-tag-error").textContent = t("dashPickSome");
    return;
  }
  const people = $("dash-people").value.trim();
  if (!untag && people) input.peopleServed = Number(people);
  try {
    const { count } = await mutate(untag ? ops.UNTAG_CAMPAIGN : ops.TAG_CAMPAIGN, { input });
    $("dash-tag-done").textContent = t(untag ? "dashUntagged" : "dashTagged", { n: count });
    await Promise.all([showEdition(), drawLine()]);
  } catch (err) {
    $("dash-tag-error").textContent = err.errors ? err.errors.map(apiText).join("；") : err.message;
  }
}

function fillEditions() {
  const keep = $("dash-edition").value;
  $("dash-edition").replaceChildren(...editions().map((e) =>
    option(e.id, `${e.year}（${e.startsOn} – ${e.endsOn}）`)));
  if ([...$("dash-edition").options].some((o) => o.value === keep)) $("dash-edition").value = keep;
  else if ($("dash-edition").options.length) $("dash-edition").selectedIndex = $("dash-edition").options.length - 1;
}

export const campaigns = {
  async mount() {
    $("dash-campaign").addEventListener("change", () => {
      fillEditions();
      drawLine();
      showEdition();
    });
    $("dash-edition").addEventListener("change", showEdition);
    $("dash-tag").addEventListener("submit", (e) => {
      e.preventDefault();
      tag(false);
    });
    $("dash-untag").addEventListener("click", () => tag(true));
    try {
      ({ campaigns: state.campaigns } = await gql(ops.CAMPAIGNS));
      campaigns.relabel();
      const withEditions = state.campaigns.find((c) => c.editions.length);
      $("dash-campaign").value = withEditions?.code || state.campaigns[0]?.code || "";
      fillEditions();
    } catch (err) {
      $("dash-campaign-note").textContent = err.message;
    }
  },
  relabel() {
    const keep = $("dash-campaign").value;
    $("dash-campaign").replaceChildren(...state.campaigns.map((c) =>
      option(c.code, getLang() === "zh" ? c.nameZh : c.nameEn)));
    if (keep) $("dash-campaign").value = keep;
  },
  async load(code) {
    state.code = code;
    try {
      await Promise.all([drawLine(), showEdition()]);
    } catch (err) {
      $("dash-campaign-note").textContent = err.message;
    }
  },
};
