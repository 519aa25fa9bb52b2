// 需求导入 (dispatchers, admins): the demand template to download (the API's
// demandImportTemplate), a filled one uploaded (importDemands, a GraphQL multipart upload), and
// the per-row report: counts, every rejected field with its row, column, value and reason in
// the console's language, the notes, and the full report as .xlsx.
import { authHeaders, gql } from "./api.js";
import { getLang, t } from "./i18n.js";
import * as ops from "./ops.js";
import { $, esc, readFields, renderFields, showErrors } from "./ui.js";

const XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
const MAX_BYTES = 50 * 1024 * 1024;
const SPEC = [
  { name: "file", key: "impFile", type: "file", required: true, accept: ".xlsx,.csv" },
  { name: "allOrNothing", key: "impAllOrNothing", type: "check" },
];

const PANEL = `<h2 data-i18n="tabImport"></h2>
  <p><a id="imp-template" href="#" data-i18n="impTemplate"></a></p>
  <form id="imp-form" novalidate><div class="fields"></div>
    <p class="form-error"></p>
    <div class="actions"><button type="submit" data-i18n="impUpload"></button></div></form>
  <div id="imp-report"></div>`;

const blobUrl = (base64) => URL.createObjectURL(new Blob(
  [Uint8Array.from(atob(base64), (c) => c.charCodeAt(0))], { type: XLSX }));

async function template(e) {
  const link = e.currentTarget;
  if (link.dataset.ready) return;  // the second click follows the blob: URL
  e.preventDefault();
  try {
    const { demandImportTemplate } = await gql(ops.IMPORT_TEMPLATE);
    Object.assign(link, { href: blobUrl(demandImportTemplate), download: "需求导入模板.xlsx" });
    link.dataset.ready = "1";
    link.click();
  } catch (err) {
    showErrors($("imp-form"), { "": err.message });
  }
}

// The GraphQL multipart request: operations, the map of files, the file.
async function upload(file, allOrNothing) {
  const body = new FormData();
  body.append("operations", JSON.stringify({ query: ops.IMPORT_DEMANDS,
    variables: { input: { file: null, allOrNothing } } }));
  body.append("map", JSON.stringify({ 0: ["variables.input.file"] }));
  body.append("0", file, file.name);
  const response = await fetch("/graphql", { method: "POST", headers: authHeaders(), body });
  const answer = await response.json().catch(() => ({}));
  if (answer.errors?.length || !answer.data) {
    const zh = getLang() === "zh";
    throw new Error((answer.errors ?? [{ message: `HTTP ${response.status}` }]).map((e) =>
      (zh && e.extensions?.messageZh) || e.message).join("; "));
  }
  return answer.data.importDemands;
}

function report(r) {
  const zh = getLang() === "zh";
  const rows = (list) => list.map((e) => `<tr><td>${e.row}</td><td>${esc(e.column)}</td>
    <td>${esc(e.value)}</td><td>${esc(zh ? e.reasonZh : e.reason)}</td></tr>`).join("");
  const head = `<tr><th>${esc(t("impRow"))}</th><th>${esc(t("impColumn"))}</th>
    <th>${esc(t("impValue"))}</th><th>${esc(t("impReason"))}</th></tr>`;
  $("imp-report").innerHTML = `<p class="${r.loaded ? "done" : "error"}" id="imp-summary">${esc(t(
    "impSummary", r))}${r.loaded ? "" : ` ${esc(t("impNothingLoaded"))}`}</p>
    ${r.rowErrors.length ? `<h3>${esc(t("impErrors"))}</h3><table class="report">${head}${rows(r.rowErrors)}</table>` : ""}
    ${r.rowNotes.length ? `<h3>${esc(t("impNotes"))}</h3><table class="report">${head}${rows(r.rowNotes)}</table>` : ""}
    ${r.reportXlsxBase64 ? `<p><a id="imp-report-file" download="导入报告.xlsx" href="${blobUrl(r.reportXlsxBase64)}">${esc(t("impReport"))}</a></p>` : ""}`;
}

async function submit(ctx) {
  const form = $("imp-form");
  const { values, errors } = readFields(form, SPEC);
  if (values.file && values.file.size > MAX_BYTES) errors.file = t("impTooBig");
  if (values.file && !/\.(xlsx|csv)$/i.test(values.file.name)) errors.file = t("impKind");
  if (!showErrors(form, errors)) return;
  const button = form.querySelector("button[type=submit]");
  button.disabled = true;
  $("imp-report").textContent = t("impWorking");
  try {
    const r = await upload(values.file, values.allOrNothing);
    if (r.errors?.length) {
      showErrors(form, r.errors);
      $("imp-report").textContent = "";
    } else {
      report(r);
      if (r.imported) ctx.refreshTiles();
    }
  } catch (err) {
    showErrors(form, [{ messageZh: err.message, messageEn: err.message }]);
    $("imp-report").textContent = "";
  } finally {
    button.disabled = false;
  }
}

export const importPanel = {
  mount(section, ctx) {
    section.innerHTML = PANEL;
    renderFields($("imp-form"), SPEC);
    this.relabel(section);
    $("imp-template").addEventListener("click", template);
    $("imp-form").addEventListener("submit", (e) => {
      e.preventDefault();
      submit(ctx);
    });
  },
  relabel(section) {
    for (const el of section.querySelectorAll("[data-i18n]")) el.textContent = t(el.dataset.i18n);
  },
};
