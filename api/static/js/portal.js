/* Citizen portal: ask -> /v1/portal/ask, show the cited answer, rate it -> /v1/feedback.
   #ask-status (not the answer) is the live region: one sentence per question. */

import { api, errorMessage } from "./lib/api.js";
import { $, clear, el } from "./lib/dom.js";
import { answerStatus, renderAnswer } from "./widgets/answer.js";
import { feedbackBar } from "./widgets/feedback.js";
import { toast } from "./widgets/toast.js";

const question = $("question");
const button = $("ask-button");
const result = $("result");
const answerBox = $("answer");
const feedback = $("feedback");
const status = $("ask-status");
const rating = feedbackBar(feedback, { auth: false, thanks: "感谢您的反馈！", status: $("feedback-done") });
let asking = false;

async function ask() {
  const text = question.value.trim();
  if (!text) {
    toast("请先输入您的问题。", "warn");
    question.focus();
    return;
  }
  if (asking) return;
  asking = true;
  button.disabled = true;
  button.textContent = "正在查找…";
  status.textContent = "正在查找…";
  result.hidden = false;
  result.setAttribute("aria-busy", "true");
  try {
    const body = await api("POST", "/v1/portal/ask", { body: { question: text }, auth: false });
    renderAnswer(answerBox, body.answer, { prefix: "cite" });
    rating.reset(body.log_id);
    feedback.hidden = body.log_id === null;
    status.textContent = answerStatus(body.answer);
  } catch (err) {
    clear(answerBox);
    answerBox.dataset.kind = "error";
    answerBox.append(el("p", { class: "error", role: "alert" }, errorMessage(err)));
    feedback.hidden = true;
    status.textContent = "";  // the alert says it
  } finally {
    asking = false;
    button.disabled = false;
    button.textContent = "提问";
    result.setAttribute("aria-busy", "false");
  }
}

$("ask-form").addEventListener("submit", (event) => { event.preventDefault(); ask(); });
question.addEventListener("keydown", (event) => {
  if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) { event.preventDefault(); ask(); }
});
for (const chip of document.querySelectorAll("[data-example]")) {
  chip.addEventListener("click", () => { question.value = chip.textContent; ask(); });
}
