/* Agent console: suggestions refresh while the agent types (debounced, newest request wins).
   The card is not a live region, as re-reading it on every refresh drowns the caller out;
   #status says in one line what changed. */

import { STALE, api, errorMessage, newestWins } from "./lib/api.js";
import { copyText } from "./lib/clipboard.js";
import { $, clear, el } from "./lib/dom.js";
import { requireSignin } from "./lib/session.js";
import { debounce } from "./lib/time.js";
import { vocabularies } from "./lib/vocabularies.js";
import { answerStatus, renderAnswer, replyScript } from "./widgets/answer.js";
import { passageItem } from "./widgets/citations.js";
import { feedbackBar } from "./widgets/feedback.js";
import { toast } from "./widgets/toast.js";

const DEBOUNCE_MS = 250;
const MIN_CHARS = 2;

function start() {
  const caller = $("caller");
  const card = $("top-card");
  const actions = $("card-actions");
  const copyButton = $("copy");
  const list = $("passages");
  const status = $("status");
  const nextButton = $("next-passage");
  const suggestions = newestWins();
  const rating = feedbackBar(actions, { thanks: "已记录评价，谢谢" });

  let current = null;  // the shown SuggestOut
  let selected = -1;   // passage highlighted with Alt+N

  const schedule = debounce(refresh, DEBOUNCE_MS);

  function stop() {
    suggestions.cancel();
    card.setAttribute("aria-busy", "false");
  }

  async function refresh() {
    schedule.cancel();
    const text = caller.value.trim();
    if (text.length < MIN_CHARS) {
      stop();
      status.textContent = "";
      return;
    }
    status.textContent = "正在更新…";
    card.setAttribute("aria-busy", "true");
    const started = performance.now();
    let body;
    try {
      body = await suggestions.run((signal) => api("POST", "/v1/agent/suggest", { body: { transcript: text }, signal }));
    } catch (err) {
      card.setAttribute("aria-busy", "false");
      status.textContent = err.status === 422 ? "请继续输入问题要点…" : errorMessage(err);
      return;
    }
    if (body === STALE) return;  // a newer request owns the card now
    show(body, performance.now() - started);
    card.setAttribute("aria-busy", "false");
    status.textContent = answerStatus(body.answer) + (body.answer.review_warning ? "；依据待复核，请核对现行条文" : "");
  }

  function show(body, roundTrip) {
    current = body;
    selected = -1;
    $("query-used").textContent = body.query || "—";
    $("took").textContent = `${Math.round(body.took_ms)} ms（往返 ${Math.round(roundTrip)} ms）`;
    const a = body.answer;
    const extra = a.kind === "faq" && a.faq_id ? el("span", { class: "muted" }, `FAQ #${a.faq_id}`) : null;
    renderAnswer(card, a, { prefix: "card-cite", extra, note: false, confidence: true, review: true });
    actions.hidden = false;
    copyButton.disabled = a.kind === "no_basis";
    rating.reset(body.log_id);
    clear(list).append(...body.passages.map(passageItem));
    nextButton.disabled = body.passages.length === 0;
  }

  async function copyReply() {
    if (!current || current.answer.kind === "no_basis") return;
    const ok = await copyText(replyScript(current.answer));
    toast(ok ? "已复制答复" : "复制失败，请手动选择文字复制", ok ? "ok" : "warn");
  }

  function step(delta) {
    const items = list.querySelectorAll("li.passage");
    if (!items.length) return;
    if (selected >= 0 && items[selected]) items[selected].classList.remove("selected");
    selected = (selected + delta + items.length) % items.length;
    const item = items[selected];
    item.classList.add("selected");
    item.querySelector("details").open = true;
    item.scrollIntoView({ block: "nearest" });
    item.querySelector("summary").focus();
  }

  caller.addEventListener("input", schedule);
  $("clear").addEventListener("click", () => {
    caller.value = "";
    caller.focus();
    stop();
    status.textContent = "";
  });
  copyButton.addEventListener("click", copyReply);
  nextButton.addEventListener("click", () => step(1));
  document.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
      event.preventDefault();
      refresh();
    } else if (event.altKey && !event.ctrlKey && !event.metaKey) {
      const key = event.code;
      if (key === "KeyC") { event.preventDefault(); copyReply(); }
      else if (key === "KeyN") { event.preventDefault(); step(1); }
      else if (key === "KeyP") { event.preventDefault(); step(-1); }
    }
  });
  caller.focus();
}

if (requireSignin()) {
  await vocabularies();  // labels of the changes a FAQ's citations are marked with
  start();
}
