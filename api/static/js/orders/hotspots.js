/* High-frequency issues (similar orders grouped by meaning, with a redacted typical case) and
   the streets whose orders grew abnormally, for the statistics' date range. */

import { STALE, api, errorMessage, newestWins } from "../lib/api.js";
import { $, clear, el } from "../lib/dom.js";

const requests = newestWins();  // grouping takes a moment: a newer range must not be overwritten

function issue(item) {
  return el("li", {},
    el("p", { class: "issue-text" }, item.hot ? el("span", { class: "status badge-hot" }, "突发热点") : null, item.text),
    el("p", { class: "muted" }, `本期 ${item.count} 件 · 上期 ${item.previous} 件`, item.category ? ` · ${item.category}` : ""));
}

export async function loadHotspots(start, end) {
  const issues = clear($("issues"));
  const streets = clear(document.querySelector("#streets-table tbody"));
  issues.append(el("li", { class: "muted" }, "正在分析…"));
  let body;
  try {
    body = await requests.run((signal) => api("GET", `/v1/orders/hotspots?${new URLSearchParams({ start, end })}`, { signal }));
  } catch (err) {
    clear(issues).append(el("li", {}, errorMessage(err)));
    return;
  }
  if (body === STALE) return;
  clear(issues).append(...(body.issues.length ? body.issues.map(issue) : [el("li", { class: "muted" }, "本期没有高频问题。")]));
  streets.append(...(body.streets.length
    ? body.streets.map((s) => el("tr", {}, el("td", {}, s.street), el("td", {}, String(s.count)), el("td", {}, String(s.previous))))
    : [el("tr", {}, el("td", { colspan: 3, class: "muted" }, "没有诉求量异常增长的街乡。"))]));
}
