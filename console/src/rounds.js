// The 看板's recognition rounds (优秀 / 四个十佳): the rounds under the region; a round's
// candidates of one category ranked from confirmed data with their evidence, 推荐 with a
// statement; the nominations with 通过 / 不通过 and a required reason; 发布 of the list, then
// the published list (the API refuses what the caller may not do, said beside the button).
import { gql, mutate } from "./api.js";
import { getLang, t } from "./i18n.js";
import * as ops from "./dashops.js";
import { apiText, esc, option } from "./ui.js";

const state = { box: null, code: null, round: null, category: null };

function evidence(ev) {
  const e = typeof ev === "string" ? JSON.parse(ev) : (ev ?? {});
  const share = e.priorityShare === undefined || e.priorityShare === null ? "—"
    : `${(Number(e.priorityShare) * 100).toFixed(0)}%`;
  return t("ev", { hours: e.hours ?? 0, occasions: e.occasions ?? 0, rating: e.rating ?? "—", share });
}

const fail = (el, err) => {
  el.textContent = err.errors ? err.errors.map(apiText).join("；") : err.message;
};

function candidateRow(c, open) {
  const li = document.createElement("li");
  li.dataset.subject = c.subjectId;
  li.innerHTML = `<div><b>${c.rank}. ${esc(c.name ?? "—")}</b> · ${esc(t("dashScore"))}
    ${Number(c.score).toFixed(3)}</div><div class="note">${esc(evidence(c.evidence))}</div>
    ${c.nominationId ? `<div class="note">${esc(t("dashNominated"))}</div>` : open ? `<div class="inline">
      <input class="statement" maxlength="2000" placeholder="${esc(t("dashStatement"))}">
      <button type="button" class="nominate">${esc(t("dashNominate"))}</button></div>` : ""}
    <p class="form-error"></p>`;
  li.querySelector(".nominate")?.addEventListener("click", async () => {
    try {
      await mutate(ops.NOMINATE, { input: { roundId: state.round, category: state.category,
        subjectId: c.subjectId, statement: li.querySelector(".statement").value.trim() } });
      await showRound();
    } catch (err) {
      fail(li.querySelector(".form-error"), err);
    }
  });
  return li;
}

function nominationRow(n, open) {
  const li = document.createElement("li");
  li.dataset.nomination = String(n.id);
  li.dataset.decision = n.decision;
  li.innerHTML = `<div><b>${esc(n.name ?? "—")}</b> · ${esc(t(`c_${n.category}`))} ·
    <span class="decision">${esc(t(`d_${n.decision}`))}</span>${n.reason ? ` · ${esc(n.reason)}` : ""}</div>
    ${n.statement ? `<div class="note">${esc(n.statement)}</div>` : ""}
    ${open && n.decision === "pending" ? `<div class="inline"><input class="reason" maxlength="1000"
      placeholder="${esc(t("dashReasonHint"))}"><button type="button" class="accept">${esc(t("dashAccept"))}</button>
      <button type="button" class="reject">${esc(t("dashReject"))}</button></div>` : ""}
    <p class="form-error"></p>`;
  for (const [cls, accept] of [["accept", true], ["reject", false]]) {
    li.querySelector(`.${cls}`)?.addEventListener("click", async () => {
      const reason = li.querySelector(".reason").value.trim();
      if (reason.length < 2) {
        li.querySelector(".form-error").textContent = t("reasonRequired");
        return;
      }
      try {
        await mutate(ops.REVIEW_NOMINATION, { input: { nominationId: n.id, accept, reason } });
        await showRound();
      } catch (err) {
        fail(li.querySelector(".form-error"), err);
      }
    });
  }
  return li;
}

async function showRound() {
  const out = state.box.querySelector(".round");
  const { recognitionRound: r } = await gql(ops.ROUND_DETAIL, { id: state.round,
    category: state.category });
  const open = r.status === "open";
  out.innerHTML = `<h4>${esc(r.year)} ${esc(r.awardZh)} · ${esc(t(`dashStatus_${r.status}`))}</h4>
    <label>${esc(t("dashCategory"))} <select class="category"></select></label>
    <ol class="candidates"></ol><h4>${esc(t("dashNominations"))}</h4><ol class="nominations"></ol>
    ${open ? `<button type="button" class="publish">${esc(t("dashPublish"))}</button>` : ""}
    <p class="form-error publish-error"></p>
    ${r.awards.length ? `<h4>${esc(t("dashAwards"))}</h4><ol class="awards">${r.awards.map((a) =>
      `<li>${esc(t(`c_${a.category}`))} ${a.place}. ${esc(a.name ?? "—")}</li>`).join("")}</ol>` : ""}
    ${open ? "" : `<div class="inline export"><button type="button" class="export-xlsx">${esc(t("dashExportXlsx"))}</button>
      <button type="button" class="export-csv">${esc(t("dashExportCsv"))}</button></div><p class="form-error export-error"></p>`}`;
  const select = out.querySelector(".category");
  select.replaceChildren(...r.categories.map((c) => option(c, t(`c_${c}`))));
  select.value = state.category;
  select.addEventListener("change", () => {
    state.category = select.value;
    showRound();
  });
  out.querySelector(".candidates").replaceChildren(...r.candidates.candidates.map((c) => candidateRow(c, open)));
  out.querySelector(".nominations").replaceChildren(...r.nominations.map((n) => nominationRow(n, open)));
  for (const [cls, format] of [["export-xlsx", "XLSX"], ["export-csv", "JSON"]]) {
    out.querySelector(`.${cls}`)?.addEventListener("click", () => exportList(r.id, format,
      out.querySelector(".export-error")));
  }
  out.querySelector(".publish")?.addEventListener("click", async () => {
    try {
      await mutate(ops.PUBLISH_ROUND, { input: { roundId: r.id } });
      await roundsPanel.load(state.box, state.code);
      await showRound();
    } catch (err) {
      fail(out.querySelector(".publish-error"), err);
    }
  });
}

function save(name, blob) {
  const a = Object.assign(document.createElement("a"), { href: URL.createObjectURL(blob), download: name });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(a.href), 1000);
}

const cell = (v) => (/[",\n]/.test(String(v ?? "")) ? `"${String(v).replace(/"/g, '""')}"` : String(v ?? ""));

// A published list (exportRecognitionList): the API's .xlsx as it is, or its JSON as a CSV
// (UTF-8 with a BOM, so that Excel reads the Chinese), one row per place.
export function listCsv(doc) {
  const head = ["类别 Category", "名次 Place", "名称 Name", "地区代码 Region", "得分 Score",
    "服务时长（小时） Hours", "服务次数 Occasions", "老少边贫时长占比 Priority share", "平均评分 Rating"];
  const rows = doc.awards.map((a) => [a.categoryZh, a.place, a.name, a.regionCode, a.score,
    a.evidence.hours ?? 0, a.evidence.occasions ?? "", a.evidence.priorityShare ?? "", a.evidence.rating ?? ""]);
  return `\ufeff${[head, ...rows].map((r) => r.map(cell).join(",")).join("\r\n")}\r\n`;
}

async function exportList(roundId, format, error) {
  error.textContent = "";
  try {
    const { download: d } = await mutate(ops.EXPORT_ROUND, { input: { roundId, format } });
    const bytes = Uint8Array.from(atob(d.contentBase64), (c) => c.charCodeAt(0));
    if (format === "XLSX") save(d.fileName, new Blob([bytes], { type: d.contentType }));
    else {
      const doc = JSON.parse(new TextDecoder().decode(bytes));
      save(d.fileName.replace(/\.json$/, ".csv"), new Blob([listCsv(doc)], { type: "text/csv" }));
    }
  } catch (err) {
    fail(error, err);
  }
}

const LEVELS = { 2: "PROVINCE", 4: "CITY", 6: "COUNTY" };

// 开启评选: a round for the region shown (its level from the code), this year by default.
function openForm(box, code) {
  const form = box.querySelector(".open-round");
  const level = LEVELS[code.replace(/0+$/, "").length] ?? "COUNTY";
  form.innerHTML = `<select name="award">${["EXCELLENT", "TOP_TEN"].map((a) =>
    `<option value="${a}">${esc(t(`a_${a}`))}</option>`).join("")}</select>
    <input name="year" size="4" value="${new Date().getFullYear()}">
    ${["VOLUNTEER", "TEAM", "PROJECT", "STATION"].map((c) => `<label><input type="checkbox"
      name="cat" value="${c}" checked>${esc(t(`c_${c}`))}</label>`).join("")}
    <input name="places" type="number" min="1" max="100" size="3" placeholder="${esc(t("dashPlaces"))}">
    <button type="submit">${esc(t("dashOpenRound"))}</button><p class="form-error"></p>`;
  form.onsubmit = async (e) => {
    e.preventDefault();
    const places = form.elements.places.value.trim();
    try {
      await mutate(ops.OPEN_ROUND, { input: { award: form.elements.award.value, level,
        regionCode: code, year: Number(form.elements.year.value),
        categories: [...form.querySelectorAll("[name=cat]:checked")].map((i) => i.value),
        places: places ? Number(places) : null } });
      await roundsPanel.load(box, code);
    } catch (err) {
      fail(form.querySelector(".form-error"), err);
    }
  };
}

export const roundsPanel = {
  async load(box, code) {
    Object.assign(state, { box, code });
    box.innerHTML = `<h3>${esc(t("dashRounds"))}</h3><ul class="rounds"></ul>
      <form class="open-round inline"></form><div class="round"></div>`;
    openForm(box, code);
    try {
      const { recognitionRounds: rounds } = await gql(ops.ROUNDS, { code });
      const list = box.querySelector(".rounds");
      if (!rounds.length) list.innerHTML = `<li class="note">${esc(t("dashNoRounds"))}</li>`;
      for (const r of rounds) {
        const li = document.createElement("li");
        li.dataset.round = String(r.id);
        li.innerHTML = `<a href="#">${esc(r.year)} ${esc(getLang() === "zh" ? r.awardZh : r.award)}
          · ${esc(t(`l_${r.level}`))} ${esc(r.regionName ?? r.regionCode ?? "")} · ${esc(t(`dashStatus_${r.status}`))}</a>`;
        li.querySelector("a").addEventListener("click", (e) => {
          e.preventDefault();
          Object.assign(state, { round: r.id, category: r.categories[0] });
          showRound();
        });
        list.append(li);
      }
    } catch (err) {
      box.querySelector(".rounds").innerHTML = `<li class="error">${esc(err.message)}</li>`;
    }
  },
};
