/* Citizen portal: ask -> /v1/portal/ask, show the cited answer, rate it -> /v1/feedback.
   #ask-status (not the answer) is the live region: one sentence per question.
   A question over the limit is never cut: the counter and a message say so and it is not sent.
   The address /?q=… asks again on load, so an answer can be shared; the session's last
   questions are kept in sessionStorage and asked again with one click. */

import { api, errorMessage } from "./lib/api.js";
import { copyText } from "./lib/clipboard.js";
import { $, clear, el } from "./lib/dom.js";
import { answerStatus, renderAnswer } from "./widgets/answer.js";
import { feedbackBar } from "./widgets/feedback.js";
import { toast } from "./widgets/toast.js";

const RECENT_ITEM = "hotline.portal.recent";
const RECENT_MAX = 5;

const form = $("ask-form");
const maxChars = Number(form.dataset.maxChars);
const onlineUrl = form.dataset.onlineUrl || null;
const question = $("question");
const button = $("ask-button");
const counter = $("question-count");
const limit = $("question-limit");
const result = $("result");
const answerBox = $("answer");
const feedback = $("feedback");
const status = $("ask-status");
const help = $("help");
const recentBox = $("recent");
const rating = feedbackBar(feedback, { auth: false, thanks: "感谢您的反馈！", status: $("feedback-done") });
let asking = false;

/* Characters as the service counts them (code points, not UTF-16 units). */
function length(text) {
  return Array.from(text).length;
}

function overLimitMessage(n) {
  return `问题已超过 ${maxChars} 字的上限（现在 ${n} 字），请删减到 ${maxChars} 字以内再提交。`;
}

/* The counter, and the message while the question is too long. -> whether it may be sent. */
function checkLength() {
  const n = length(question.value.trim());
  const over = n > maxChars;
  counter.textContent = `${n}/${maxChars}`;
  counter.classList.toggle("over", over);
  question.setAttribute("aria-invalid", over ? "true" : "false");
  limit.textContent = over ? overLimitMessage(n) : "";
  limit.hidden = !over;
  return !over;
}

function recent() {
  try {
    const list = JSON.parse(sessionStorage.getItem(RECENT_ITEM) || "[]");
    return Array.isArray(list) ? list.filter((q) => typeof q === "string") : [];
  } catch (_) {
    return [];
  }
}

function remember(text) {
  const list = [text, ...recent().filter((q) => q !== text)].slice(0, RECENT_MAX);
  sessionStorage.setItem(RECENT_ITEM, JSON.stringify(list));
  showRecent();
}

function showRecent() {
  const list = recent();
  const box = $("recent-list");
  clear(box).append(...list.map((q) => el("li", {},
    el("button", { type: "button", class: "chip", on: { click: () => { question.value = q; ask(); } } }, q))));
  recentBox.hidden = list.length === 0;
}

/* The address that asks this question again: shareable, and what a reload shows. */
function shareUrl(text) {
  return `${location.origin}/?q=${encodeURIComponent(text)}`;
}

async function ask() {
  const text = question.value.trim();
  if (!checkLength()) {
    status.textContent = overLimitMessage(length(text));
    question.focus();
    return;
  }
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
  history.replaceState(null, "", shareUrl(text));
  try {
    const body = await api("POST", "/v1/portal/ask", { body: { question: text }, auth: false });
    renderAnswer(answerBox, body.answer, { prefix: "cite", onlineUrl });
    help.hidden = body.answer.kind === "no_basis";  // the refusal carries the same ways onwards
    rating.reset(body.log_id);
    feedback.hidden = body.log_id === null;
    status.textContent = answerStatus(body.answer);
    remember(text);
  } catch (err) {
    clear(answerBox);
    answerBox.dataset.kind = "error";
    answerBox.append(el("p", { class: "error", role: "alert" }, errorMessage(err)));
    help.hidden = false;
    feedback.hidden = true;
    status.textContent = "";  // the alert says it
  } finally {
    asking = false;
    button.disabled = false;
    button.textContent = "提问";
    result.setAttribute("aria-busy", "false");
  }
}

form.addEventListener("submit", (event) => { event.preventDefault(); ask(); });
question.addEventListener("input", checkLength);
question.addEventListener("keydown", (event) => {
  // Enter asks, Shift+Enter is a new line; an Enter that confirms an IME candidate is neither.
  if (event.key === "Enter" && !event.shiftKey && !event.isComposing && event.keyCode !== 229) {
    event.preventDefault();
    ask();
  }
});
for (const chip of document.querySelectorAll("[data-example]")) {
  chip.addEventListener("click", () => { question.value = chip.textContent; ask(); });
}
$("share").addEventListener("click", async () => {
  const ok = await copyText(location.href);
  toast(ok ? "已复制本答复的链接" : "复制失败，请从地址栏复制链接", ok ? "ok" : "warn");
});

showRecent();
const shared = new URLSearchParams(location.search).get("q");
if (shared) {
  question.value = shared;
  ask();
} else {
  checkLength();
}
