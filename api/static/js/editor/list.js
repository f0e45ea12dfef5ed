/* The FAQ list with its filters, and bulk submit / publish / retire of the rows ticked (one
   request, a result per FAQ); status and audience options and labels come from the
   vocabularies endpoint. */

import { STALE, api, errorMessage, newestWins } from "../lib/api.js";
import { $, clear, el } from "../lib/dom.js";
import { debounce, formatTime } from "../lib/time.js";
import { addOptions, label } from "../lib/vocabularies.js";
import { newFaq, openFaq } from "./form.js";
import { onShow, selectTab } from "../widgets/tabs.js";

const FILTERS = [["f-status", "status"], ["f-audience", "audience"], ["f-stale", "stale"], ["f-review", "review"]];
const topics = new Set();  // every topic seen, offered as suggestions in the topic fields
const requests = newestWins();
const selected = new Set();  // ids ticked for a bulk action
const BULK = { submit: "提交审核", publish: "审核发布", retire: "下线" };

export async function loadList() {
  const params = new URLSearchParams({ limit: "500" });
  const q = $("f-q").value.trim();
  if (q) params.set("q", q);
  for (const [id, name] of FILTERS) {
    if ($(id).value) params.set(name, $(id).value);
  }
  const topic = $("f-topic").value.trim();
  if (topic) params.set("topic", topic);
  let rows;
  try {
    rows = await requests.run((signal) => api("GET", `/v1/faqs?${params}`, { signal }));
  } catch (err) {
    $("list-count").textContent = errorMessage(err);
    return;
  }
  if (rows !== STALE) renderList(rows);
}

function renderList(rows) {
  const body = clear(document.querySelector("#faq-table tbody"));
  const shown = new Set(rows.map((f) => f.id));
  for (const id of [...selected]) if (!shown.has(id)) selected.delete(id);
  for (const f of rows) {
    if (f.topic) topics.add(f.topic);
    body.append(el("tr", { "data-id": f.id },
      el("td", {}, el("input", { type: "checkbox", class: "pick-row", "aria-label": `选择 #${f.id}`,
                                 checked: selected.has(f.id), on: { change: (e) => tick(f.id, e.target.checked) } })),
      el("td", {}, `#${f.id}`),
      el("td", {}, el("button", { type: "button", class: "link", on: { click: () => openFaq(f.id) } }, f.question)),
      el("td", {}, f.topic || "—"),
      el("td", {}, label("audiences", f.audience)),
      el("td", {}, el("span", { class: `status status-${f.status}` }, label("faq_statuses", f.status)),
         f.revision ? el("span", { class: "status status-in_review" }, `修订${label("faq_statuses", f.revision.status)}`) : null,
         f.stale ? el("span", { class: "status status-stale" }, "已过期") : null,
         f.review_reason ? el("span", { class: "status status-stale" },
                              `待复核：${label("faq_review_reasons", f.review_reason)}`) : null),
      el("td", {}, `v${f.version}`),
      el("td", {}, formatTime(f.updated_at))));
  }
  $("list-count").textContent = rows.length ? `共 ${rows.length} 条` : "没有符合条件的 FAQ。";
  const list = clear($("topics"));
  for (const t of [...topics].sort()) list.append(el("option", { value: t }));
  renderSelection();
}

function tick(id, on) {
  if (on) selected.add(id);
  else selected.delete(id);
  renderSelection();
}

function renderSelection() {
  const boxes = [...document.querySelectorAll("#faq-table .pick-row")];
  $("select-all").checked = boxes.length > 0 && boxes.every((b) => b.checked);
  $("bulk-count").textContent = selected.size ? `已选择 ${selected.size} 条` : "未选择";
  for (const action of Object.keys(BULK)) $(`bulk-${action}`).disabled = selected.size === 0;
}

function selectAll(on) {
  for (const box of document.querySelectorAll("#faq-table .pick-row")) {
    box.checked = on;
    const id = Number(box.closest("tr").dataset.id);
    if (on) selected.add(id);
    else selected.delete(id);
  }
  renderSelection();
}

/* One request; each FAQ's result is listed, a refused one with the service's reason. */
async function bulk(action) {
  const ids = [...selected];
  const results = clear($("bulk-results"));
  $("bulk-status").textContent = `正在批量${BULK[action]}…`;
  let body;
  try {
    body = await api("POST", `/v1/faqs/bulk/${action}`, { body: { ids } });
  } catch (err) {
    $("bulk-status").textContent = errorMessage(err);
    return;
  }
  $("bulk-status").textContent = `批量${BULK[action]}：成功 ${body.done} 条，未执行 ${body.failed} 条。`;
  for (const r of body.results) {
    results.append(el("li", { class: r.ok ? "ok" : "error", "data-id": r.id },
      `#${r.id} `, r.ok ? `已${BULK[action]}（${label("faq_statuses", r.status)}，v${r.version}）` : r.message));
  }
  selected.clear();
  loadList();
}

export function initList() {
  addOptions($("f-status"), "faq_statuses");
  addOptions($("f-audience"), "audiences");
  const reload = debounce(loadList, 250);
  $("f-q").addEventListener("input", reload);
  $("f-topic").addEventListener("input", reload);
  for (const [id] of FILTERS) $(id).addEventListener("change", loadList);
  $("filters").addEventListener("submit", (event) => { event.preventDefault(); loadList(); });
  $("new-faq").addEventListener("click", () => { newFaq(); selectTab("edit"); $("e-question").focus(); });
  $("select-all").addEventListener("change", (event) => selectAll(event.target.checked));
  for (const action of Object.keys(BULK)) $(`bulk-${action}`).addEventListener("click", () => bulk(action));
  onShow("list", loadList);
}
