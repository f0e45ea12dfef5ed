/* Agent console: suggestions refresh while the agent types (debounced, newest request wins) and
   are not logged; the question is logged once it is settled: sent with Ctrl+Enter, its reply
   copied or rated, or no keystroke for the configured pause. The card is not a live region, as
   re-reading it on every refresh drowns the caller out; #status says in one line what changed.
   One call's words, questions and copied replies live in sessionStorage until 清空 (新来电). */

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
const CALL_ITEM = "hotline.agent.call";

/* This call: {text, history: [{kind: "question" | "copy", text, at, logId}], logged: {text,
   logId} | null, order: ClassifyOut | null}. */
function loadCall() {
  try {
    const call = JSON.parse(sessionStorage.getItem(CALL_ITEM) || "null");
    if (call && typeof call.text === "string" && Array.isArray(call.history)) return call;
  } catch (_) { /* a damaged entry starts a new call */ }
  return { text: "", history: [], logged: null, order: null };
}

/* A history line: the first 60 characters. */
function brief(text) {
  const chars = Array.from(text);
  return chars.length > 60 ? chars.slice(0, 60).join("") + "…" : text;
}

function clock(iso) {
  return new Date(iso).toLocaleTimeString("zh-CN", { timeZone: "Asia/Shanghai", hour12: false });
}

function start() {
  const settleMs = Number($("console").dataset.settleSeconds) * 1000;
  const caller = $("caller");
  const card = $("top-card");
  const placeholder = card.firstElementChild.cloneNode(true);
  const actions = $("card-actions");
  const copyButton = $("copy");
  const list = $("passages");
  const status = $("status");
  const nextButton = $("next-passage");
  const historyList = $("call-history");
  const order = $("order-suggestion");
  const suggestions = newestWins();
  const rating = feedbackBar(actions, { thanks: "已记录评价，谢谢", settle: () => settle(shownText) });

  let call = loadCall();
  let current = null;  // the shown SuggestOut
  let shownText = "";  // the caller's words `current` answers
  let selected = -1;   // passage highlighted with Alt+N
  let generation = 0;  // bumped by 清空: answers to the previous call are dropped
  let settleTimer = null;
  let settling = null;  // {text, promise} of the question being logged

  const schedule = debounce(refresh, DEBOUNCE_MS);

  function save() {
    sessionStorage.setItem(CALL_ITEM, JSON.stringify(call));
  }

  function stop() {
    suggestions.cancel();
    card.setAttribute("aria-busy", "false");
  }

  /* A live suggestion for the words so far: shown, not logged. */
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
      body = await suggestions.run((signal) => api("POST", "/v1/agent/suggest",
        { body: { transcript: text, settled: false }, signal }));
    } catch (err) {
      card.setAttribute("aria-busy", "false");
      status.textContent = err.status === 422 ? "请继续输入问题要点…" : errorMessage(err);
      return;
    }
    if (body === STALE) return;  // a newer request owns the card now
    show(body, text, performance.now() - started);
  }

  function show(body, text, roundTrip) {
    current = body;
    shownText = text;
    selected = -1;
    $("query-used").textContent = body.query || "—";
    $("took").textContent = `${Math.round(body.took_ms)} ms（往返 ${Math.round(roundTrip)} ms）`;
    const a = body.answer;
    const extra = a.kind === "faq" && a.faq_id ? el("span", { class: "muted" }, `FAQ #${a.faq_id}`) : null;
    renderAnswer(card, a, { prefix: "card-cite", extra, note: false, confidence: true, review: true, agent: true });
    actions.hidden = false;
    copyButton.disabled = a.kind === "no_basis";
    const logged = call.logged && call.logged.text === text ? call.logged.logId : body.log_id;
    rating.reset(logged, logged === null);
    clear(list).append(...body.passages.map(passageItem));
    nextButton.disabled = body.passages.length === 0;
    card.setAttribute("aria-busy", "false");
    status.textContent = answerStatus(a) + (a.review_warning ? "；依据待复核，请核对现行条文" : "");
  }

  /* Logs the question in `text` once (logged words, or words being logged, give the same id)
     and notes it in this call's history. -> the log id, or null when it could not be logged. */
  function settle(text) {
    if (text === caller.value.trim()) clearTimeout(settleTimer);
    if (text.length < MIN_CHARS) return Promise.resolve(null);
    if (call.logged && call.logged.text === text) return Promise.resolve(call.logged.logId);
    if (settling && settling.text === text) return settling.promise;
    const promise = logQuestion(text).finally(() => {
      if (settling && settling.promise === promise) settling = null;
    });
    settling = { text, promise };
    return promise;
  }

  async function logQuestion(text) {
    const mine = generation;
    const started = performance.now();
    let body;
    try {
      body = await api("POST", "/v1/agent/suggest", { body: { transcript: text, settled: true } });
    } catch (err) {
      if (mine === generation) status.textContent = err.status === 422 ? "请继续输入问题要点…" : errorMessage(err);
      return null;
    }
    if (mine !== generation) return null;  // 清空 came first: a new caller
    if (text !== shownText && text === caller.value.trim()) {
      suggestions.cancel();
      show(body, text, performance.now() - started);
    }
    if (body.log_id === null) return null;
    const last = call.history[call.history.length - 1];
    if (last && last.kind === "question" && last.logId === body.log_id) {
      last.text = body.query;  // the service revised the entry of the same question still being typed
    } else {
      call.history.push({ kind: "question", text: body.query, at: new Date().toISOString(), logId: body.log_id });
    }
    call.logged = { text, logId: body.log_id };
    save();
    renderHistory();
    classify(text);
    return body.log_id;
  }

  function settleCurrent() {
    return settle(caller.value.trim());
  }

  /* Ctrl+Enter or 确认问题: the question is settled now. */
  function sendNow() {
    schedule.cancel();
    const text = caller.value.trim();
    if (text !== shownText && call.logged && call.logged.text === text) refresh();  // logged, not on the card
    settle(text);
  }

  /* The suggested 诉求分类 and 承办单位 for the work order, from the settled question. */
  async function classify(text) {
    const mine = generation;
    try {
      const body = await api("POST", "/v1/agent/classify", { body: { transcript: text } });
      if (mine !== generation) return;
      call.order = body;
      save();
      renderOrder();
    } catch (err) {
      if (mine === generation) order.textContent = errorMessage(err);
    }
  }

  function renderOrder() {
    const o = call.order;
    clear(order);
    if (!o) {
      order.append(el("p", { class: "placeholder" }, "问题确定后，这里显示建议的诉求分类和承办单位。"));
      return;
    }
    order.append(el("dl", { class: "order-fields" },
      el("dt", {}, "诉求分类"),
      el("dd", {}, o.category.join(" / "), el("span", { class: "muted" }, `（把握 ${Math.round(o.confidence * 100)}%）`)),
      el("dt", {}, "承办单位"),
      el("dd", {}, o.handler || el("span", { class: "muted" }, "暂无同类工单可参考"))));
  }

  function renderHistory() {
    clear(historyList);
    if (!call.history.length) {
      historyList.append(el("li", { class: "placeholder" }, "本次通话还没有确定的问题。"));
      return;
    }
    historyList.append(...call.history.map((h) => el("li", { class: `history-${h.kind}` },
      el("span", { class: "muted" }, clock(h.at), " "),
      el("span", { class: "history-kind" }, h.kind === "copy" ? "已复制：" : "问："), h.text)));
  }

  async function copyReply() {
    if (!current || current.answer.kind === "no_basis") return;
    const answer = current.answer;
    const text = shownText;
    const ok = await copyText(replyScript(answer));
    toast(ok ? "已复制答复" : "复制失败，请手动选择文字复制", ok ? "ok" : "warn");
    if (!ok) return;
    const mine = generation;
    await settle(text);
    if (mine !== generation) return;
    call.history.push({ kind: "copy", text: brief(answer.summary || String(answer.text).split("\n")[0]),
                        at: new Date().toISOString(), logId: null });
    save();
    renderHistory();
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

  /* 清空 / 新来电: nothing of the previous caller stays, not even what Alt+C would copy. */
  function newCall() {
    generation += 1;
    settling = null;
    schedule.cancel();
    clearTimeout(settleTimer);
    stop();
    call = { text: "", history: [], logged: null, order: null };
    sessionStorage.removeItem(CALL_ITEM);
    current = null;
    shownText = "";
    selected = -1;
    caller.value = "";
    clear(card).append(placeholder.cloneNode(true));
    delete card.dataset.kind;
    actions.hidden = true;
    rating.reset(null);
    clear(list);
    nextButton.disabled = true;
    $("query-used").textContent = "—";
    $("took").textContent = "—";
    status.textContent = "";
    renderHistory();
    renderOrder();
  }

  caller.addEventListener("input", () => {
    call.text = caller.value;
    save();
    schedule();
    clearTimeout(settleTimer);
    settleTimer = setTimeout(settleCurrent, settleMs);
  });
  $("clear").addEventListener("click", () => {
    newCall();
    caller.focus();
  });
  $("send").addEventListener("click", sendNow);
  $("signout").addEventListener("click", () => sessionStorage.removeItem(CALL_ITEM));
  copyButton.addEventListener("click", copyReply);
  nextButton.addEventListener("click", () => step(1));
  document.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
      event.preventDefault();
      sendNow();
    } else if (event.altKey && !event.ctrlKey && !event.metaKey) {
      const key = event.code;
      if (key === "KeyC") { event.preventDefault(); copyReply(); }
      else if (key === "KeyN") { event.preventDefault(); step(1); }
      else if (key === "KeyP") { event.preventDefault(); step(-1); }
    }
  });

  // A reload mid-call: the words, history and suggestion come back; nothing is logged twice.
  // Words typed while the page was still loading are kept (and are this call's words).
  if (caller.value) {
    call.text = caller.value;
    save();
  } else {
    caller.value = call.text;
  }
  renderHistory();
  renderOrder();
  nextButton.disabled = true;
  if (call.text.trim().length >= MIN_CHARS) {
    refresh();
    if (!call.logged || call.logged.text !== call.text.trim()) settleTimer = setTimeout(settleCurrent, settleMs);
  }
  caller.focus();
}

const who = requireSignin();
if (who) {
  await vocabularies();  // labels of the changes a FAQ's citations are marked with
  start();
}
