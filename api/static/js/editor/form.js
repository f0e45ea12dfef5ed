/* The edit form: new / open / save a FAQ, its lifecycle submit -> publish -> retire, and 已复核
   for a FAQ whose basis changed (what changed is shown above the fields). */

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

function isDirty() {
  const faq = draft.faq;
  if (!faq) return true;
  const now = formData();
  return Object.keys(now).some((k) => JSON.stringify(now[k]) !== JSON.stringify(faq[k] ?? (k === "topic" ? "" : null)));
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
  setFaq(faq);
  setCitations(data.citations || []);
}

/* prefill: {question, alternatives, ...} for a FAQ made from a gap */
export function newFaq(prefill) {
  load(null, prefill || {});
}

export async function openFaq(id) {
  try {
    const faq = await api("GET", `/v1/faqs/${id}`);
    load(faq, faq);
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
  $("form-title").textContent = faq ? `编辑 FAQ #${faq.id}` : "新建 FAQ";
  if (faq) {
    append(meta, [
      el("span", { class: `status status-${faq.status}` }, label("faq_statuses", faq.status)), " ",
      `第 ${faq.version} 版 · 作者 ${faq.author}（${formatTime(faq.created_at)}）`,
      faq.reviewer ? ` · 审核发布 ${faq.reviewer}（${formatTime(faq.published_at)}）` : "",
      faq.retired_at ? ` · 下线于 ${formatTime(faq.retired_at)}` : "",
      faq.stale ? el("span", { class: "status status-stale" }, "已过有效期") : null,
      faq.review_reason ? el("span", { class: "status status-stale" },
                             `待复核：${label("faq_review_reasons", faq.review_reason)}`) : null]);
  } else {
    meta.append("保存后为草稿，提交审核并发布后生效。");
  }
  const flagged = Boolean(faq && faq.review_reason);
  $("review-box").hidden = !flagged;
  clear($("review-box-changes")).append(flagged ? changeList(faq.review_changes) : "");
  const status = faq ? faq.status : null;
  const retired = status === "retired";
  for (const input of Object.values(inputs)) input.disabled = retired;
  $("save").disabled = retired;
  $("submit-review").disabled = status !== "draft";
  $("publish").disabled = status !== "in_review";
  $("confirm-review").disabled = !confirmable(faq);
  $("retire").disabled = !faq || retired;
}

function showError(message) {
  $("form-error").textContent = message;
  $("form-error").hidden = !message;
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
      faq = await api("POST", "/v1/faqs", { body: data });
      toast(`已保存为草稿 #${faq.id}`, "ok");
    } else if (isDirty()) {
      const wasPublished = faq.status === "published";
      faq = await api("PATCH", `/v1/faqs/${faq.id}`, { body: data });
      toast(wasPublished ? "已保存；已发布的 FAQ 修改后需重新审核" : "已保存", "ok");
    }
    setFaq(faq);
    return faq;
  } catch (err) {
    showError(errorMessage(err));
    return null;
  }
}

/* Pending edits are saved first, so what is submitted or published is what the editor sees. */
async function transition(action, done) {
  if (isDirty() && !(await save())) return;
  try {
    setFaq(await api("POST", `/v1/faqs/${draft.faq.id}/${action}`));
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
  $("retire").addEventListener("click", () => transition("retire", "已下线"));
}
