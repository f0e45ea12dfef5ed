/* The category names in use, per level, offered as suggestions in the queue filter and the
   correction form. The taxonomy has no route of its own, so they come from the statistics
   over the longest range the API allows; the server checks any name against the taxonomy. */

import { api } from "../lib/api.js";
import { clear, el } from "../lib/dom.js";
import { UNCLASSIFIED, beijingDay } from "./format.js";

const SPAN_DAYS = 3650;
let loading = null;

/* -> [[level-1 names], [level-2 names], [level-3 names]]; fetched once, retried after a failure. */
export function knownCategories() {
  if (!loading) {
    const end = new Date();
    const start = new Date(end.getTime() - SPAN_DAYS * 86400000);
    const params = new URLSearchParams({ start: beijingDay(start), end: beijingDay(end) });
    for (const level of [1, 2, 3]) params.append("dimensions", `category_l${level}`);
    loading = api("GET", `/v1/orders/stats?${params}`)
      .then((body) => [1, 2, 3].map((level) => (body.breakdowns[`category_l${level}`] || [])
        .map((row) => row.key).filter((key) => key !== UNCLASSIFIED)))
      .catch(() => { loading = null; return [[], [], []]; });
  }
  return loading;
}

/* Fills a <datalist> with the names, plus any extra ones (e.g. the order's own category). */
export function fillDatalist(list, names, extra = []) {
  const all = [...new Set([...extra.filter(Boolean), ...names])].sort((a, b) => a.localeCompare(b, "zh-CN"));
  clear(list).append(...all.map((name) => el("option", { value: name })));
}
