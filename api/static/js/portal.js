/* Citizen portal: ask -> /v1/portal/ask, show the cited answer, rate it -> /v1/feedback. */
"use strict";

(function () {
  const H = window.Hotline;
  const form = document.getElementById("ask-form");
  const question = document.getElementById("question");
  const button = document.getElementById("ask-button");
  const result = document.getElementById("result");
  const answerBox = document.getElementById("answer");
  const feedback = document.getElementById("feedback");
  const feedbackDone = document.getElementById("feedback-done");
  let logId = null;
  let asking = false;

  async function ask() {
    const text = question.value.trim();
    if (!text) {
      H.toast("请先输入您的问题。", "warn");
      question.focus();
      return;
    }
    if (asking) return;
    asking = true;
    button.disabled = true;
    button.textContent = "正在查找…";
    result.hidden = false;
    result.setAttribute("aria-busy", "true");
    try {
      const body = await H.api("POST", "/v1/portal/ask", { body: { question: text }, auth: false });
      logId = body.log_id;
      H.renderAnswer(answerBox, body.answer, { prefix: "cite" });
      resetFeedback();
    } catch (err) {
      H.clear(answerBox);
      answerBox.dataset.kind = "error";
      answerBox.append(H.el("p", { class: "error", role: "alert" }, H.errorMessage(err)));
      feedback.hidden = true;
    } finally {
      asking = false;
      button.disabled = false;
      button.textContent = "提问";
      result.setAttribute("aria-busy", "false");
    }
  }

  function resetFeedback() {
    feedback.hidden = logId === null;
    feedbackDone.hidden = true;
    for (const b of feedback.querySelectorAll("button[data-rating]")) {
      b.disabled = false;
      b.setAttribute("aria-pressed", "false");
    }
  }

  async function rate(event) {
    const b = event.currentTarget;
    if (logId === null) return;
    const buttons = feedback.querySelectorAll("button[data-rating]");
    buttons.forEach((x) => { x.disabled = true; });
    try {
      await H.api("POST", "/v1/feedback", { body: { log_id: logId, rating: b.dataset.rating }, auth: false });
      b.setAttribute("aria-pressed", "true");
      feedbackDone.hidden = false;
    } catch (err) {
      buttons.forEach((x) => { x.disabled = false; });
      H.toast(H.errorMessage(err), "warn");
    }
  }

  form.addEventListener("submit", (event) => { event.preventDefault(); ask(); });
  question.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) { event.preventDefault(); ask(); }
  });
  for (const chip of document.querySelectorAll("[data-example]")) {
    chip.addEventListener("click", () => { question.value = chip.textContent; ask(); });
  }
  for (const b of feedback.querySelectorAll("button[data-rating]")) b.addEventListener("click", rate);
})();
