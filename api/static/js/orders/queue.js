/* The queue: filters, one page of 50 orders (overdue and soonest due first, as the API sorts
   them), and a status line with the total and how many are overdue. */

import { api, loadInto, newestWins } from "../lib/api.js";
import { $, clear, el } from "../lib/dom.js";
import { debounce, formatTime } from "../lib/time.js";
import { addOptions } from "../lib/vocabularies.js";
import { fillDatalist, knownCategories } from "./categories.js";
import { categoryCell, deadlineBadge, statusBadge } from "./format.js";
import { onShow, selectTab } from "../widgets/tabs.js";

const PAGE = 50;
// filter field -> query parameter
const FILTERS = [["q-text", "q"], ["q-status", "status"], ["q-type", "request_type"], ["q-district", "district"],
                 ["q-category", "category"], ["q-deadline", "deadline"], ["q-start", "start"], ["q-end", "end"]];
const requests = newestWins();
let offset = 0;
let openOrder = () => {};

function params() {
  const p = new URLSearchParams({ limit: String(PAGE), offset: String(offset) });
  for (const [id, name] of FILTERS) {
    const value = $(id).value.trim();
    if (value) p.set(name, value);
  }
  return p;
}

/* The page, and how many of all matching orders are overdue (a second, one-row query). */
async function fetchPage(signal) {
  const query = params();
  const overdue = new URLSearchParams(query);
  overdue.set("deadline", "overdue");
  overdue.set("limit", "1");
  overdue.set("offset", "0");
  const countOverdue = !query.has("deadline");
  const [page, late] = await Promise.all([
    api("GET", `/v1/orders?${query}`, { signal }),
    countOverdue ? api("GET", `/v1/orders?${overdue}`, { signal }) : null]);
  return { page, overdue: late ? late.total : null };
}

export function loadQueue() {
  return loadInto($("queue-status"), requests, fetchPage, (result) => render(result.page, result.overdue));
}

function summary(total, overdue) {
  if (!total) return "没有符合条件的工单。";
  const deadline = $("q-deadline").value;
  if (deadline === "overdue") return `共 ${total} 件，均已超期`;
  if (deadline === "due_soon") return `共 ${total} 件，均将在一天内到期`;
  return `共 ${total} 件，超期 ${overdue} 件`;
}

function row(order) {
  const open = () => openOrder(order.id);
  return el("tr", { tabindex: 0, "data-id": order.id, class: order.deadline ? `row-${order.deadline}` : null,
                    on: { click: open, keydown: (event) => { if (event.key === "Enter") open(); } } },
    el("td", { class: "nowrap" }, order.number),
    el("td", { class: "nowrap" }, formatTime(order.received_at)),
    el("td", {}, order.request_type_label),
    el("td", {}, categoryCell(order)),
    el("td", {}, order.handler || "—"),
    el("td", { class: "nowrap" }, formatTime(order.due_at), " ", deadlineBadge(order)),
    el("td", {}, statusBadge(order)));
}

function render(page, overdue) {
  clear(document.querySelector("#queue-table tbody")).append(...page.orders.map(row));
  $("queue-status").textContent = summary(page.total, overdue);
  const pages = Math.max(1, Math.ceil(page.total / PAGE));
  const current = Math.floor(offset / PAGE) + 1;
  $("page-info").textContent = `第 ${current} / ${pages} 页`;
  $("page-prev").disabled = offset === 0;
  $("page-next").disabled = offset + PAGE >= page.total;
}

function reload() {
  offset = 0;
  loadQueue();
}

/* The queue filtered to one level-1 category over a date range (a drill-down from the
   statistics); every other filter is cleared so the count matches the chart. */
export function showCategory(category, start, end) {
  for (const [id] of FILTERS) $(id).value = "";
  $("q-category").value = category;
  $("q-start").value = start;
  $("q-end").value = end;
  offset = 0;
  selectTab("queue");
}

export function initQueue(open) {
  openOrder = open;
  addOptions($("q-status"), "order_statuses");
  addOptions($("q-type"), "request_types");
  knownCategories().then(([level1]) => fillDatalist($("categories-l1"), level1));
  const typed = debounce(reload, 300);
  for (const [id] of FILTERS) {
    const input = $(id);
    const picked = input.tagName === "SELECT" || input.type === "date";  // typed text waits for a pause
    input.addEventListener(picked ? "change" : "input", picked ? reload : typed);
  }
  $("queue-filters").addEventListener("submit", (event) => {
    event.preventDefault();
    typed.cancel();
    reload();
  });
  $("q-reset").addEventListener("click", () => {
    for (const [id] of FILTERS) $(id).value = "";
    reload();
  });
  $("page-prev").addEventListener("click", () => { offset = Math.max(0, offset - PAGE); loadQueue(); });
  $("page-next").addEventListener("click", () => { offset += PAGE; loadQueue(); });
  onShow("queue", loadQueue);
}
