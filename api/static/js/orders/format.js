/* How order values read on the page: badges, rates, changes and Beijing calendar days. */

import { el } from "../lib/dom.js";

export const UNCLASSIFIED = "未分类";  // the statistics' key for orders without a category

export function statusBadge(order) {
  return el("span", { class: `status order-status-${order.status}` }, order.status_label);
}

/* The 超期 / 即将到期 badge of the `deadline` field, or nothing. */
export function deadlineBadge(order) {
  if (order.deadline === "overdue") return el("span", { class: "deadline deadline-overdue" }, "超期");
  if (order.deadline === "due_soon") return el("span", { class: "deadline deadline-due_soon" }, "即将到期");
  return null;
}

export function confidence(order) {
  return order.category_confidence === null ? "" : `${Math.round(order.category_confidence * 100)}%`;
}

/* "一级 / 二级" with the confidence, and 待确认 until staff confirmed it. */
export function categoryCell(order) {
  if (!order.category.length) return el("span", { class: "muted" }, UNCLASSIFIED);
  const sure = confidence(order);
  return el("span", {}, order.category.slice(0, 2).join(" / "),
    sure ? el("span", { class: "muted" }, `（${sure}）`) : null,
    order.category_confirmed ? null : el("span", { class: "status unconfirmed" }, "待确认"));
}

export function pct(rate) {
  return rate === null || rate === undefined ? "—" : `${(rate * 100).toFixed(1)}%`;
}

export function change(rate) {
  if (rate === null || rate === undefined) return "—";
  return `${rate > 0 ? "+" : ""}${(rate * 100).toFixed(1)}%`;
}

const pad = (n) => String(n).padStart(2, "0");

/* YYYY-MM-DD of a moment in Beijing, whatever the browser's zone (date inputs and the API's
   start/end are Beijing days). */
export function beijingDay(moment = new Date()) {
  return new Intl.DateTimeFormat("en-CA", { timeZone: "Asia/Shanghai", year: "numeric", month: "2-digit",
                                            day: "2-digit" }).format(moment);
}

function lastDayOf(year, month) {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

/* The last whole calendar month before today: what a monthly report covers. */
export function lastFullMonth() {
  const [year, month] = beijingDay().split("-").map(Number);
  const y = month === 1 ? year - 1 : year;
  const m = month === 1 ? 12 : month - 1;
  return { start: `${y}-${pad(m)}-01`, end: `${y}-${pad(m)}-${pad(lastDayOf(y, m))}` };
}

export function isWholeMonth(start, end) {
  const [y, m, d] = start.split("-").map(Number);
  return d === 1 && end === `${y}-${pad(m)}-${pad(lastDayOf(y, m))}`;
}
