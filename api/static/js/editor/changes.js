/* What changed in a FAQ's basis since it was written or last reviewed (the 待复核 queue and the
   edit form): per citation the reason, the document status and the old article text against
   the new one as a diff. */

import { el } from "../lib/dom.js";
import { diffText } from "../lib/diff.js";
import { label } from "../lib/vocabularies.js";

/* 已复核 only confirms a FAQ whose passages are still there and in force. */
export function confirmable(faq) {
  return Boolean(faq && faq.review_reason && faq.status !== "retired"
    && faq.review_changes.every((c) => c.reason === "changed"));
}

function textDiff(change) {
  if (change.new_text === null) {
    return el("p", { class: "diff-text" },
      change.old_text ? el("del", {}, change.old_text) : el("span", { class: "muted" }, "（审核时的原文未留存）"));
  }
  if (change.old_text === change.new_text) return el("p", { class: "muted" }, "条文文字未变。");
  return el("p", { class: "diff-text" }, diffText(change.old_text, change.new_text).map((part) =>
    part.op === "=" ? part.text : el(part.op === "+" ? "ins" : "del", {}, part.text)));
}

function statusNote(change) {
  if (change.new_status === null) return "条文已从法规库删除";
  if (change.old_status !== change.new_status) return `效力：${change.old_status} → ${change.new_status}`;
  return null;
}

export function changeList(changes) {
  return el("ul", { class: "change-list" }, changes.map((c) => {
    const note = statusNote(c);
    return el("li", { class: "change", "data-passage": c.passage_id },
      el("p", { class: "change-head" }, el("strong", {}, c.citation), " ",
         el("span", { class: "status status-stale" }, label("faq_review_reasons", c.reason)),
         note ? el("span", { class: "muted" }, ` ${note}`) : null),
      textDiff(c));
  }));
}
