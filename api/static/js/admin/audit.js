/* The audit log: admin actions and FAQ edits, filtered and paged. */

import { api, errorMessage } from "../lib/api.js";
import { $, clear, el } from "../lib/dom.js";
import { formatTime } from "../lib/time.js";
import { addOptions, label, vocabularies } from "../lib/vocabularies.js";

const PAGE = 30;
const FILTERS = [["kind", "audit-kind"], ["action", "audit-action"], ["actor", "audit-actor"],
                 ["start", "audit-start"], ["end", "audit-end"]];
let offset = 0;

export async function loadAudit() {
  const params = new URLSearchParams({ limit: String(PAGE), offset: String(offset) });
  for (const [name, id] of FILTERS) {
    const value = $(id).value.trim();
    if (value) params.set(name, value);
  }
  const body = clear(document.querySelector("#audit-table tbody"));
  let page;
  try {
    [page] = await Promise.all([api("GET", `/v1/audit?${params}`), vocabularies()]);
  } catch (err) {
    $("audit-count").textContent = errorMessage(err);
    return;
  }
  const pages = Math.max(1, Math.ceil(page.total / PAGE));
  $("audit-count").textContent = page.total ? `共 ${page.total} 条记录。` : "没有符合条件的记录。";
  for (const e of page.entries) {
    body.append(el("tr", { "data-action": e.action },
      el("td", {}, formatTime(e.at)),
      el("td", {}, e.actor),
      el("td", {}, label("audit_actions", e.action)),
      el("td", {}, el("code", {}, e.target)),
      el("td", { class: "run-message" }, e.detail)));
  }
  $("audit-page").textContent = `第 ${Math.floor(offset / PAGE) + 1} / ${pages} 页`;
  $("audit-prev").disabled = offset === 0;
  $("audit-next").disabled = offset + PAGE >= page.total;
}

export async function initAudit() {
  $("audit-form").addEventListener("submit", (event) => {
    event.preventDefault();
    offset = 0;
    loadAudit();
  });
  $("audit-prev").addEventListener("click", () => { offset = Math.max(0, offset - PAGE); loadAudit(); });
  $("audit-next").addEventListener("click", () => { offset += PAGE; loadAudit(); });
  await addOptions($("audit-action"), "audit_actions");
}
