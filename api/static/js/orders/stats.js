/* Statistics for a date range (by default the last whole month): the 三率, counts by category,
   type, district, channel and handler, orders per day, 环比/同比 by category, hot spots and
   the report. A category bar or table row drills down to the queue for that category. */

import { STALE, api, errorMessage, newestWins } from "../lib/api.js";
import { $, clear, el } from "../lib/dom.js";
import { label } from "../lib/vocabularies.js";
import { barsByDay, hbars } from "../widgets/charts.js";
import { UNCLASSIFIED, change, lastFullMonth, pct } from "./format.js";
import { loadHotspots } from "./hotspots.js";
import { showCategory } from "./queue.js";
import { downloadReport } from "./report.js";
import { onShow } from "../widgets/tabs.js";

const DIMENSIONS = ["category_l1", "request_type", "district", "channel", "handler"];
const TOP = 10;          // bars per chart beyond the categories: the rest would be unreadable
const LABEL_CHARS = 9;   // what fits the charts' label column
const requests = newestWins();
let range = null;        // the range shown: drill-downs keep to it
let loaded = false;

const short = (text) => (text.length > LABEL_CHARS ? `${text.slice(0, LABEL_CHARS - 1)}…` : text);

function bars(id, title, rows, name = (key) => key) {
  const items = rows.slice(0, TOP).map((r) => ({ label: short(name(r.key)), value: r.count }));
  if (!items.length) clear($(id)).append(el("h3", {}, title), el("p", { class: "muted" }, "无数据"));
  else hbars($(id), title, items);
}

function drill(key) {
  if (key !== UNCLASSIFIED) showCategory(key, range.start, range.end);
}

/* The category bars open the queue on click. The chart is an image to assistive technology,
   so keyboard users drill down from the table below it instead. */
function categoryChart(rows) {
  hbars($("chart-category"), "一级分类（件）", rows.map((r) => ({ label: short(r.key), value: r.count })));
  $("chart-category").querySelectorAll("rect.bar").forEach((rect, i) => {
    if (rows[i].key === UNCLASSIFIED) return;
    rect.classList.add("drill");
    rect.dataset.category = rows[i].key;
    rect.addEventListener("click", () => drill(rows[i].key));
  });
}

function categoryRow(r) {
  const open = r.key !== UNCLASSIFIED;
  return el("tr", { tabindex: open ? 0 : null, "data-category": r.key, on: open ? {
    click: () => drill(r.key), keydown: (event) => { if (event.key === "Enter") drill(r.key); } } : null },
    el("td", {}, r.key), el("td", {}, String(r.count)), el("td", {}, String(r.previous)), el("td", {}, change(r.mom)),
    el("td", {}, String(r.year_before)), el("td", {}, change(r.yoy)));
}

function rates(body, total) {
  const r = body.rates;
  clear($("rates")).append(...[["受理工单", `${total} 件`], ["响应率", pct(r.response_rate)], ["按时答复率", pct(r.on_time_rate)],
    ["解决率", pct(r.resolution_rate)], ["满意率", pct(r.satisfaction_rate)]]
    .map(([name, value]) => el("div", {}, el("dt", {}, name), el("dd", { "data-rate": name }, value))));
}

/* The API lists only days with orders; a trend needs the empty days too. */
function everyDay({ start, end }, daily) {
  const counts = new Map(daily);
  const days = [];
  for (const d = new Date(`${start}T00:00:00Z`); d <= new Date(`${end}T00:00:00Z`); d.setUTCDate(d.getUTCDate() + 1)) {
    const day = d.toISOString().slice(0, 10);
    days.push({ day, value: counts.get(day) || 0 });
  }
  return days;
}

function render(body) {
  const b = body.breakdowns;
  const total = b.category_l1.reduce((sum, r) => sum + r.count, 0);
  rates(body, total);
  categoryChart(b.category_l1);
  clear(document.querySelector("#category-table tbody")).append(...b.category_l1.map(categoryRow));
  bars("chart-type", "诉求类型（件）", b.request_type, (key) => label("request_types", key));
  bars("chart-district", `区（前 ${TOP}，件）`, b.district);
  bars("chart-channel", "来源渠道（件）", b.channel);
  bars("chart-handler", `承办单位（前 ${TOP}，件）`, b.handler);
  barsByDay($("chart-daily"), "受理量", everyDay(range, body.daily), " 件");
  return total;
}

export async function loadStats() {
  const start = $("s-start").value;
  const end = $("s-end").value;
  if (!start || !end) {
    $("stats-status").textContent = "请选择开始和结束日期。";
    return;
  }
  loaded = true;
  $("stats-status").textContent = "正在统计…";
  const params = new URLSearchParams({ start, end });
  for (const d of DIMENSIONS) params.append("dimensions", d);
  let body;
  try {
    body = await requests.run((signal) => api("GET", `/v1/orders/stats?${params}`, { signal }));
  } catch (err) {
    $("stats-status").textContent = errorMessage(err);
    return;
  }
  if (body === STALE) return;
  range = { start, end };
  const total = render(body);
  $("stats-status").textContent = `${start} 至 ${end} 共受理 ${total} 件`;
  loadHotspots(start, end);
}

export function initStats() {
  const month = lastFullMonth();
  $("s-start").value = month.start;
  $("s-end").value = month.end;
  $("stats-form").addEventListener("submit", (event) => { event.preventDefault(); loadStats(); });
  for (const format of ["docx", "xlsx"]) {
    const button = $(`report-${format}`);
    button.addEventListener("click", () => downloadReport(format, $("s-start").value, $("s-end").value, button));
  }
  onShow("stats", () => { if (!loaded) loadStats(); });
}
