/* Agent console: suggestions refresh while the agent types (debounced; a newer request aborts
   the older one and a sequence number drops any response that still arrives late). */
"use strict";

(function () {
  const H = window.Hotline;
  if (!H.requireSignin()) return;

  const DEBOUNCE_MS = 250;
  const MIN_CHARS = 2;
  const caller = document.getElementById("caller");
  const card = document.getElementById("top-card");
  const actions = document.getElementById("card-actions");
  const copyButton = document.getElementById("copy");
  const list = document.getElementById("passages");
  const queryUsed = document.getElementById("query-used");
  const took = document.getElementById("took");
  const status = document.getElementById("status");
  const nextButton = document.getElementById("next-passage");

  let seq = 0;            // number of the newest request; older responses are ignored
  let controller = null;  // aborts the request in flight when a newer one starts
  let current = null;     // the shown SuggestOut
  let selected = -1;      // passage highlighted with Alt+N

  const schedule = H.debounce(refresh, DEBOUNCE_MS);

  async function refresh() {
    schedule.cancel();
    const text = caller.value.trim();
    if (text.length < MIN_CHARS) {
      if (controller) controller.abort();
      seq += 1;
      status.textContent = "";
      return;
    }
    const mine = ++seq;
    if (controller) controller.abort();
    controller = new AbortController();
    status.textContent = "正在更新…";
    card.setAttribute("aria-busy", "true");
    const started = performance.now();
    try {
      const body = await H.api("POST", "/v1/agent/suggest",
                               { body: { transcript: text }, signal: controller.signal });
      if (mine !== seq) return;  // a newer request was started meanwhile
      show(body, performance.now() - started);
      status.textContent = "";
    } catch (err) {
      if ((err && err.name === "AbortError") || mine !== seq) return;
      status.textContent = err.status === 422 ? "请继续输入问题要点…" : H.errorMessage(err);
    } finally {
      if (mine === seq) card.setAttribute("aria-busy", "false");
    }
  }

  function show(body, roundTrip) {
    current = body;
    selected = -1;
    queryUsed.textContent = body.query || "—";
    took.textContent = `${Math.round(body.took_ms)} ms（往返 ${Math.round(roundTrip)} ms）`;
    const a = body.answer;
    const extra = a.kind === "faq" && a.faq_id ? H.el("span", { class: "muted" }, `FAQ #${a.faq_id}`) : null;
    H.renderAnswer(card, a, { prefix: "card-cite", extra, note: false, confidence: true });
    actions.hidden = false;
    copyButton.disabled = a.kind === "no_basis";
    for (const b of actions.querySelectorAll("button[data-rating]")) {
      b.disabled = body.log_id === null; // not logged (database unreachable): nothing to rate
      b.setAttribute("aria-pressed", "false");
    }
    H.clear(list);
    body.passages.forEach((p, i) => {
      list.append(H.el("li", { class: "passage", id: `passage-${i}` },
        H.el("details", {},
          H.el("summary", {}, H.el("span", { class: "cite-n" }, `${i + 1}.`), " ", p.citation,
               p.chapter ? H.el("span", { class: "muted" }, ` · ${p.chapter}`) : null),
          H.el("div", { class: "article-text" }, H.paragraphs(p.text)),
          H.safeUrl(p.url) ? H.el("p", { class: "source" },
            H.el("a", { href: p.url, target: "_blank", rel: "noopener noreferrer" }, "查看原文")) : null)));
    });
    nextButton.disabled = body.passages.length === 0;
  }

  async function copyReply() {
    if (!current || current.answer.kind === "no_basis") return;
    const ok = await H.copyText(H.replyScript(current.answer));
    H.toast(ok ? "已复制答复" : "复制失败，请手动选择文字复制", ok ? "ok" : "warn");
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

  async function rate(event) {
    const b = event.currentTarget;
    if (!current || current.log_id === null) return;
    try {
      await H.api("POST", "/v1/feedback", { body: { log_id: current.log_id, rating: b.dataset.rating } });
      for (const x of actions.querySelectorAll("button[data-rating]")) x.disabled = true;
      b.setAttribute("aria-pressed", "true");
      H.toast("已记录评价，谢谢", "ok");
    } catch (err) {
      H.toast(H.errorMessage(err), "warn");
    }
  }

  caller.addEventListener("input", schedule);
  document.getElementById("clear").addEventListener("click", () => {
    caller.value = "";
    caller.focus();
    seq += 1;
    if (controller) controller.abort();
  });
  copyButton.addEventListener("click", copyReply);
  nextButton.addEventListener("click", () => step(1));
  for (const b of actions.querySelectorAll("button[data-rating]")) b.addEventListener("click", rate);
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
})();
