/* The edit form: new / open / save a FAQ, its lifecycle submit -> publish -> retire -> restore,
   revisions of a published FAQ (the published text keeps serving until another editor approves
   the revision), 已复核 for a FAQ whose basis changed (what changed is shown above the fields),
   and a warning when a new FAQ repeats an existing one. */

import { api, errorMessage } from "../lib/api.js";
import { $, append, clear, el } from "../lib/dom.js";
import { formatTime } from "../lib/time.js";
import { label } from "../lib/vocabularies.js";
import { toast } from "../widgets/toast.js";
import { changeList, confirmable } from "./changes.js";
import { draft, ensurePassages, on, setCitations, setFaq } from "./state.js";
import { selectTab } from "../widgets/tabs.js";

export const inputs = {
  question: $("e-question"), alternatives: $("e-alternatives"), answer: $("e-answer"),
  topic: $("e-topic"), audience: $("e-audience"), valid_until: $("e-valid"),
};

/* The form as the API takes it. */
export function formData() {
  return {
    question: inputs.question.value.trim(),
    alternatives: inputs.alternatives.value.split("\n").map((s) => s.trim()).filter(Boolean),
    answer: inputs.answer.value.trim(),
    citations: [...draft.citations],
    topic: inputs.topic.value.trim(),
    audience: inputs.audience.value,
    valid_until: inputs.valid_until.value || null,
  };
}

/* What the editor works on: a published FAQ's pending revision, else the FAQ itself. */
function working(faq) {
  return faq.revision || faq;
}

function isDirty() {
  const faq = draft.faq;
  if (!faq) return true;
  const now = formData();
  const saved = working(faq);
  return Object.keys(now).some((k) => JSON.stringify(now[k]) !== JSON.stringify(saved[k] ?? (k === "topic" ? "" : null)));
}

/* faq: as the API returned it, or null for a new one; data: what the form starts with. */
function load(faq, data) {
  inputs.question.value = data.question || "";
  inputs.alternatives.value = (data.alternatives || []).join("\n");
  inputs.answer.value = data.answer || "";
  inputs.topic.value = data.topic || "";
  inputs.audience.value = data.audience || "public";
  inputs.valid_until.value = data.valid_until || "";
  showError("");
  showDuplicates([]);
  draft.gap = data.gap_ids || [];
  setFaq(faq);
  setCitations(data.citations || []);
}

/* prefill: {question, alternatives, gap_ids, ...} for a FAQ made from a gap */
export function newFaq(prefill) {
  load(null, prefill || {});
}

export async function openFaq(id) {
  try {
    const faq = await api("GET", `/v1/faqs/${id}`);
    load(faq, working(faq));
    selectTab("edit");
    inputs.question.focus();
    await ensurePassages(draft.citations);
    setCitations(draft.citations);  // again, now with their titles
  } catch (err) {
    toast(errorMessage(err), "warn");
  }
}

function renderMeta() {
  const faq = draft.faq;
  const meta = clear($("faq-meta"));
  const revision = faq ? faq.revision : null;
  $("form-title").textContent = faq ? `编辑 FAQ #${faq.id}` : "新建 FAQ";
  if (faq) {
    append(meta, [
      el("span", { class: `status status-${faq.status}` }, label("faq_statuses", faq.status)), " ",
      revision ? el("span", { class: "status status-in_review" }, `修订${label("faq_statuses", revision.status)}`) : null,
      ` 第 ${faq.version} 版 · 作者 ${faq.author}（${formatTime(faq.created_at)}）`,
      faq.reviewer ? ` · 审核发布 ${faq.reviewer}（${formatTime(faq.published_at)}）` : "",
      faq.retired_at ? ` · 下线于 ${formatTime(faq.retired_at)}` : "",
      faq.stale ? el("span", { class: "status status-stale" }, "已过有效期") : null,
      faq.review_reason ? el("span", { class: "status status-stale" },
                             `待复核：${label("faq_review_reasons", faq.review_reason)}`) : null]);
  } else {
    meta.append("保存后为草稿，提交审核并经另一位编辑审核发布后生效。");
  }
  const note = $("revision-note");
  note.textContent = revision
    ? `下面是 ${revision.author} 的修订（${formatTime(revision.updated_at)}）。门户和坐席端仍显示已发布的版本，修订经另一位编辑审核通过后替换。`
    : faq && faq.status === "published" ? "修改已发布的 FAQ 并保存会生成修订；审核通过前门户和坐席端仍显示当前版本。" : "";
  note.hidden = !note.textContent;
  const flagged = Boolean(faq && faq.review_reason);
  $("review-box").hidden = !flagged;
  clear($("review-box-changes")).append(flagged ? changeList(faq.review_changes) : "");
  const status = faq ? faq.status : null;
  const retired = status === "retired";
  for (const input of Object.values(inputs)) input.disabled = retired;
  $("save").disabled = retired;
  // A retired FAQ may keep the revision pending when it was retired: only 恢复为草稿 acts on it.
  const pending = retired ? null : revision;
  $("submit-review").disabled = !(status === "draft" || (pending && pending.status === "draft"));
  $("publish").disabled = !(status === "in_review" || (pending && pending.status === "in_review"));
  $("confirm-review").disabled = !confirmable(faq);
  $("discard").disabled = !revision || retired;
  $("retire").disabled = !faq || retired;
  $("restore").disabled = !retired;
}

function showError(message) {
  $("form-error").textContent = message;
  $("form-error").hidden = !message;
}

/* A new FAQ that repeats existing ones is saved, with a warning linking to them. */
function showDuplicates(duplicates) {
  const box = clear($("duplicates"));
  box.hidden = !duplicates.length;
  if (!duplicates.length) return;
  box.append(el("p", {}, "可能与已有 FAQ 重复，请核对后决定保留或下线此条："),
    el("ul", {}, duplicates.map((d) => el("li", {},
      el("button", { type: "button", class: "link", on: { click: () => openFaq(d.faq_id) } }, `#${d.faq_id} ${d.question}`),
      ` （${label("faq_statuses", d.status)}，相似度 ${d.similarity.toFixed(3)}）`))));
}

async function save() {
  showError("");
  const data = formData();
  if (!data.question || !data.answer) {
    showError("问题和答复都不能为空。");
    (data.question ? inputs.answer : inputs.question).focus();
    return null;
  }
  try {
    let faq = draft.faq;
    if (!faq) {
      // The gap it answers is closed when this FAQ is published.
      faq = await api("POST", "/v1/faqs", { body: { ...data, gap_ids: draft.gap } });
      toast(`已保存为草稿 #${faq.id}`, "ok");
      setFaq(faq);
      showDuplicates(faq.duplicates);
      return faq;
    }
    if (isDirty()) {
      faq = await api("PATCH", `/v1/faqs/${faq.id}`, { body: data });
      toast(faq.revision ? "已保存为修订；审核通过前门户和坐席端仍显示已发布的版本" : "已保存", "ok");
    }
    setFaq(faq);
    return faq;
  } catch (err) {
    showError(errorMessage(err));
    return null;
  }
}

/* Pending edits are saved first, so what is submitted or published is what the editor sees.
   The form is reloaded afterwards: a discarded revision or a restore changes what it shows. */
async function transition(action, done) {
  if (isDirty() && !(await save())) return;
  try {
    const faq = await api("POST", `/v1/faqs/${draft.faq.id}/${action}`);
    load(faq, working(faq));
    toast(done, "ok");
  } catch (err) {
    showError(errorMessage(err));
  }
}

export function initForm() {
  on("faq", renderMeta);
  $("faq-form").addEventListener("submit", (event) => { event.preventDefault(); save(); });
  $("submit-review").addEventListener("click", () => transition("submit", "已提交审核"));
  $("publish").addEventListener("click", () => transition("publish", "已发布，门户和坐席端立即生效"));
  $("confirm-review").addEventListener("click", () => transition("review", "已复核，依据按现行条文重新核定"));
  $("discard").addEventListener("click", () => transition("discard", "已放弃修订，已发布的内容不变"));
  $("retire").addEventListener("click", () => transition("retire", "已下线"));
  $("restore").addEventListener("click", () => transition("restore", "已恢复为草稿，需重新审核发布"));
}
