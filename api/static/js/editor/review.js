/* The 待复核 queue: FAQs whose cited passages a newer index changed, repealed or removed, with
   the old and new article text side by side as a diff; 已复核 confirms one still holds. */

import { api, errorMessage, loadInto, newestWins } from "../lib/api.js";
import { $, clear, el } from "../lib/dom.js";
import { formatTime } from "../lib/time.js";
import { label } from "../lib/vocabularies.js";
import { toast } from "../widgets/toast.js";
import { changeList, confirmable } from "./changes.js";
import { openFaq } from "./form.js";
import { onShow } from "../widgets/tabs.js";

const requests = newestWins();

function loadReview() {
  return loadInto($("review-summary"), requests, (signal) => api("GET", "/v1/faqs?review=true&limit=500", { signal }),
                  renderReview);
}

function renderReview(rows) {
  const list = clear($("review-list"));
  $("review-summary").textContent = rows.length
    ? `共 ${rows.length} 条待复核` : "没有待复核的 FAQ：引用的条文都与审核时一致。";
  for (const f of rows) {
    const action = confirmable(f)
      ? el("button", { type: "button", class: "btn btn-primary", on: { click: () => confirm(f) } }, "已复核")
      : el("p", { class: "hint" }, "依据已废止或删除：请打开编辑，更换引用依据后重新提交发布。");
    list.append(el("li", { class: "card review-item", "data-id": f.id },
      el("p", { class: "gap-question" },
         el("button", { type: "button", class: "link", on: { click: () => openFaq(f.id) } }, f.question)),
      el("p", { class: "muted" }, `#${f.id} · ${label("faq_statuses", f.status)} · ${label("audiences", f.audience)}`,
         ` · ${label("faq_review_reasons", f.review_reason)} · 标记于 ${formatTime(f.flagged_at)}`),
      changeList(f.review_changes),
      el("div", { class: "actions" }, action,
         el("button", { type: "button", class: "btn", on: { click: () => openFaq(f.id) } }, "打开编辑"))));
  }
}

async function confirm(faq) {
  try {
    await api("POST", `/v1/faqs/${faq.id}/review`);
    toast(`FAQ #${faq.id} 已复核，依据按现行条文重新核定`, "ok");
  } catch (err) {
    toast(errorMessage(err), "warn");
  }
  loadReview();
}

export function initReview() {
  onShow("review", loadReview);
  $("reload-review").addEventListener("click", loadReview);
}
