/* One order: its fields (contact data exactly as the API returns it, i.e. masked unless the
   key's role may see it), the caller's text, its category, the steps it allows, the draft
   reply and its history. After any change the order is fetched again, so the history shows
   what the server recorded. */

import { api, errorMessage } from "../lib/api.js";
import { $, clear, el } from "../lib/dom.js";
import { formatTime } from "../lib/time.js";
import { label } from "../lib/vocabularies.js";
import { initActions, renderActions } from "./actions.js";
import { initCategory, renderCategory } from "./category.js";
import { initDraft, renderDraft } from "./draft.js";
import { deadlineBadge, statusBadge } from "./format.js";
import { selectTab } from "../widgets/tabs.js";

let currentId = null;

function visit(order) {
  if (order.visit_contacted === null) return "—";
  if (!order.visit_contacted) return "未联系上诉求人";
  const resolved = order.visit_resolved === null ? "未记录解决情况" : order.visit_resolved ? "已解决" : "未解决";
  const rating = order.visit_satisfaction ? `，${label("satisfaction", order.visit_satisfaction)}` : "";
  return `已联系上，${resolved}${rating}`;
}

function fields(order) {
  return [
    ["工单编号", order.number],
    ["状态", statusBadge(order)],
    ["受理时间", formatTime(order.received_at)],
    ["办理时限", [formatTime(order.due_at), " ", deadlineBadge(order)]],
    ["来源渠道", order.channel],
    ["诉求类型", order.request_type_label],
    ["诉求人", order.caller_name],
    ["联系电话", order.caller_phone],
    ["地址", order.address],
    ["区", order.district],
    ["街乡", order.street],
    ["派单单位", order.dispatcher],
    ["承办单位", order.handler],
    ["重复件", order.duplicate ? "是" : "否"],
    ["答复", order.reply],
    ["答复时间", formatTime(order.replied_at)],
    ["回访", visit(order)],
  ];
}

function pairs(list, rows) {
  clear(list).append(...rows.map(([name, value]) => el("div", {},
    el("dt", {}, name), el("dd", { "data-field": name }, value === "" || value === null ? "—" : value))));
  return list;
}

function historyItem(event) {
  return el("li", {},
    el("span", { class: "when" }, formatTime(event.at)), " ",
    el("strong", {}, label("order_actions", event.action)), " ",
    el("span", { class: "muted" }, event.actor),
    event.note ? el("p", { class: "note" }, event.note) : null);
}

function render(order) {
  $("detail-empty").hidden = true;
  $("detail").hidden = false;
  $("order-title").textContent = `工单 ${order.number}`;
  pairs($("order-fields"), fields(order));
  $("order-content").textContent = order.content;
  const extra = Object.entries(order.extra || {});
  clear($("order-extra"));
  if (extra.length) {
    $("order-extra").append(el("h3", {}, "其他字段"),
                            pairs(el("dl", { class: "fields" }), extra.map(([k, v]) => [k, String(v ?? "")])));
  }
  renderCategory(order);
  renderActions(order);
  renderDraft(order);
  if (order.history) clear($("order-history")).append(...[...order.history].reverse().map(historyItem));
}

async function load(id) {
  try {
    const order = await api("GET", `/v1/orders/${id}`);
    if (id === currentId) render(order);
  } catch (err) {
    $("detail-status").textContent = errorMessage(err);
  }
}

export async function openOrder(id) {
  currentId = id;
  $("detail-status").textContent = "";
  selectTab("detail");
  await load(id);
  $("order-title").focus();
}

/* A step changed the order: show what the step returned at once, then the full record. */
function changed(order) {
  render(order);
  load(order.id);
}

export function initDetail() {
  $("order-title").tabIndex = -1;
  initActions(changed);
  initCategory(changed);
  initDraft(changed);
  $("back-to-queue").addEventListener("click", () => selectTab("queue", true));
}
