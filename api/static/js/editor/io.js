/* Export every FAQ as CSV/XLSX; download the import template; import a file whose rows become
   drafts, all or nothing, rows repeating an existing FAQ listed instead of imported. */

import { api, errorMessage } from "../lib/api.js";
import { $, clear, el } from "../lib/dom.js";
import { toast } from "../widgets/toast.js";
import { openFaq } from "./form.js";
import { loadList } from "./list.js";

async function download(format, template) {
  try {
    const path = template ? "/v1/faqs/import-template" : "/v1/faqs/export";
    const blob = await api("GET", `${path}?format=${format}`, { blob: true });
    const url = URL.createObjectURL(blob);
    const stamp = new Date().toISOString().slice(0, 10).replace(/-/g, "");
    const a = el("a", { download: template ? `faq-import-template.${format}` : `faqs-${stamp}.${format}`, class: "offscreen" });
    a.href = url;  // a blob: URL, which el() would refuse as a link
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10000);
  } catch (err) {
    toast(errorMessage(err), "warn");
  }
}

/* #import-status is the live line; the table of row problems below it is not announced. */
function report(kind, message) {
  const status = $("import-status");
  status.className = kind;
  status.textContent = message;
}

function skippedTable(rows) {
  return el("div", { class: "table-wrap" }, el("table", { class: "table" },
    el("caption", {}, "重复而未导入的行"),
    el("thead", {}, el("tr", {}, el("th", { scope: "col" }, "行"), el("th", { scope: "col" }, "问题"),
                                 el("th", { scope: "col" }, "说明"))),
    el("tbody", {}, rows.map((r) => el("tr", {}, el("td", {}, `第 ${r.row} 行`), el("td", {}, r.question),
      el("td", {}, r.message, r.faq_id ? el("button", { type: "button", class: "link", on: { click: () => openFaq(r.faq_id) } },
                                           ` 查看 #${r.faq_id} ${r.existing}`) : null))))));
}

function problemTable(rows) {
  return el("div", { class: "table-wrap" }, el("table", { class: "table" },
    el("caption", {}, "逐行问题（修正后重新导入）"),
    el("thead", {}, el("tr", {}, el("th", { scope: "col" }, "行"), el("th", { scope: "col" }, "列"), el("th", { scope: "col" }, "问题"))),
    el("tbody", {}, rows.map((r) => el("tr", {}, el("td", {}, r.row ? `第 ${r.row} 行` : "文件"),
                                      el("td", {}, r.column || "—"), el("td", {}, r.message))))));
}

async function upload(event) {
  event.preventDefault();
  const file = $("import-file").files[0];
  const details = clear($("import-rows"));
  if (!file) {
    report("error", "请先选择文件。");
    return;
  }
  const format = /\.xlsx$/i.test(file.name) ? "xlsx" : "csv";
  $("import-button").disabled = true;
  report("", "");
  try {
    const body = await api("POST", `/v1/faqs/import?format=${format}`,
                           { raw: await file.arrayBuffer(), contentType: format === "xlsx" ? file.type || "application/octet-stream" : "text/csv" });
    const ids = body.ids.length ? `（编号 ${body.ids.map((i) => "#" + i).join("、")}）` : "";
    const skipped = body.skipped.length ? `；${body.skipped.length} 行与已有 FAQ 重复，未导入` : "";
    report("ok", `已导入 ${body.created} 条草稿${ids}${skipped}。`);
    if (body.skipped.length) details.append(skippedTable(body.skipped));
    loadList();
  } catch (err) {
    report("error", errorMessage(err));
    const rows = err.body && err.body.error && err.body.error.rows;
    if (rows && rows.length) details.append(problemTable(rows));
  } finally {
    $("import-button").disabled = false;
  }
}

export function initIo() {
  $("export-csv").addEventListener("click", () => download("csv"));
  $("export-xlsx").addEventListener("click", () => download("xlsx"));
  $("template-csv").addEventListener("click", () => download("csv", true));
  $("template-xlsx").addEventListener("click", () => download("xlsx", true));
  $("import-form").addEventListener("submit", upload);
}
