/* The overview tab: corpus statistics, FAQs 待复核, analytics charts, top questions
   (the index versions are in indexes.js). */

import { api, errorMessage } from "../lib/api.js";
import { $, clear, el } from "../lib/dom.js";
import { formatTime } from "../lib/time.js";
import { label, vocabularies } from "../lib/vocabularies.js";
import { barsByDay, hbars, ratesByDay } from "../widgets/charts.js";

function countBy(docs, key) {
  const counts = new Map();
  for (const d of docs) counts.set(d[key] || "未标注", (counts.get(d[key] || "未标注") || 0) + 1);
  return [...counts.entries()].map(([name, value]) => ({ label: name, value })).sort((a, b) => b.value - a.value);
}

export async function loadCorpus() {
  let body;
  try {
    body = await api("GET", "/v1/documents");
  } catch (err) {
    clear($("corpus-totals")).append(el("dd", {}, errorMessage(err)));
    return;
  }
  const docs = body.documents;
  const passages = docs.reduce((s, d) => s + d.passages, 0);
  const inForce = docs.filter((d) => d.status === "有效").length;
  clear($("corpus-totals")).append(
    el("div", {}, el("dt", {}, "文件"), el("dd", {}, String(docs.length))),
    el("div", {}, el("dt", {}, "条文"), el("dd", {}, String(passages))),
    el("div", {}, el("dt", {}, "现行有效"), el("dd", {}, String(inForce))),
    el("div", {}, el("dt", {}, "索引版本"), el("dd", {}, el("code", {}, body.index_version))));
  hbars($("chart-doctype"), "按文件类型（件）", countBy(docs, "doc_type"));
  hbars($("corpus-status"), "按效力状态（件）", countBy(docs, "status"));
}

/* FAQs whose cited articles a new index changed, repealed or removed. */
export async function loadReview() {
  const totals = $("review-totals");
  let body;
  try {
    [body] = await Promise.all([api("GET", "/v1/faqs/review-counts"), vocabularies()]);
  } catch (err) {
    clear(totals).append(el("dd", {}, errorMessage(err)));
    return;
  }
  clear(totals).append(
    el("div", {}, el("dt", {}, "合计"), el("dd", {}, String(body.total))),
    ...Object.entries(body.by_reason).map(([reason, count]) =>
      el("div", { "data-reason": reason }, el("dt", {}, label("faq_review_reasons", reason)), el("dd", {}, String(count)))));
}

export async function loadAnalytics() {
  let body;
  try {
    body = await api("GET", "/v1/analytics/daily?days=30");
  } catch (err) {
    clear($("rate-totals")).append(el("dd", {}, errorMessage(err)));
    return;
  }
  const days = body.days;
  const queries = days.reduce((s, d) => s + d.queries, 0);
  const hits = days.reduce((s, d) => s + d.faq_hits, 0);
  const refusals = days.reduce((s, d) => s + d.refusals, 0);
  const pct = (a, b) => (b ? `${((100 * a) / b).toFixed(1)}%` : "—");
  clear($("rate-totals")).append(
    el("div", {}, el("dt", {}, "问答量"), el("dd", {}, String(queries))),
    el("div", {}, el("dt", {}, "FAQ 命中率"), el("dd", {}, pct(hits, queries))),
    el("div", {}, el("dt", {}, "拒答率"), el("dd", {}, pct(refusals, queries))),
    el("div", {}, el("dt", {}, "累计 FAQ 命中率"), el("dd", {}, `${(body.faq_hit_rate * 100).toFixed(1)}%`)));
  barsByDay($("chart-daily"), "问答量", days.map((d) => ({ day: d.day, value: d.queries })), " 次");
  ratesByDay($("chart-rates"), "FAQ 命中率与拒答率", days, [
    { name: "FAQ 命中率", values: days.map((d) => (d.queries ? d.faq_hits / d.queries : null)) },
    { name: "拒答率", values: days.map((d) => (d.queries ? d.refusals / d.queries : null)) },
  ]);
}

export async function loadTop() {
  const body = clear(document.querySelector("#top-table tbody"));
  try {
    const rows = await api("GET", "/v1/analytics/top-questions?limit=15");
    if (!rows.length) body.append(el("tr", {}, el("td", { colspan: 3 }, "暂无提问记录。")));
    for (const r of rows) body.append(el("tr", {}, el("td", {}, r.query), el("td", {}, String(r.count)), el("td", {}, formatTime(r.last_at))));
  } catch (err) {
    body.append(el("tr", {}, el("td", { colspan: 3 }, errorMessage(err))));
  }
}
