/* The FAQ list with its filters; status and audience options and labels come from the
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
  for (const f of rows) {
    if (f.topic) topics.add(f.topic);
    body.append(el("tr", { "data-id": f.id },
      el("td", {}, `#${f.id}`),
      el("td", {}, el("button", { type: "button", class: "link", on: { click: () => openFaq(f.id) } }, f.question)),
      el("td", {}, f.topic || "—"),
      el("td", {}, label("audiences", f.audience)),
      el("td", {}, el("span", { class: `status status-${f.status}` }, label("faq_statuses", f.status)),
         f.stale ? el("span", { class: "status status-stale" }, "已过期") : null,
         f.review_reason ? el("span", { class: "status status-stale" },
                              `待复核：${label("faq_review_reasons", f.review_reason)}`) : null),
      el("td", {}, `v${f.version}`),
      el("td", {}, formatTime(f.updated_at))));
  }
  $("list-count").textContent = rows.length ? `共 ${rows.length} 条` : "没有符合条件的 FAQ。";
  const list = clear($("topics"));
  for (const t of [...topics].sort()) list.append(el("option", { value: t }));
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
  onShow("list", loadList);
}
