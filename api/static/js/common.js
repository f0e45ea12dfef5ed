/* Shared by every page: DOM building (text only, never innerHTML), the API client with the
   X-API-Key header, key storage in sessionStorage, and the answer renderer the portal, the
   agent console and the editor's preview all use. */
"use strict";

(function () {
  const KEY_ITEM = "hotline.apiKey";
  const WHO_ITEM = "hotline.who";
  const ROLES = ["agent", "editor", "admin"];
  const ROLE_NAMES = { agent: "坐席", editor: "编辑", admin: "管理员" };

  /* el("a", {href: "/x", class: "c", text: "t", on: {click: f}}, child, "text") */
  function el(tag, attrs, ...children) {
    const svg = tag.startsWith("svg:");
    const node = svg ? document.createElementNS("http://www.w3.org/2000/svg", tag.slice(4))
                     : document.createElement(tag);
    for (const [name, value] of Object.entries(attrs || {})) {
      if (value === null || value === undefined || value === false) continue;
      if (name === "text") node.textContent = value;
      else if (name === "on") for (const [ev, fn] of Object.entries(value)) node.addEventListener(ev, fn);
      else if (name === "dataset") Object.assign(node.dataset, value);
      else if (name === "class") node.setAttribute("class", value);
      else if (name === "href" && !svg) {
        const safe = safeUrl(value);
        if (safe) node.setAttribute("href", safe);
      } else node.setAttribute(name, value === true ? "" : String(value));
    }
    append(node, children);
    return node;
  }

  function append(node, children) {
    for (const child of children.flat()) {
      if (child === null || child === undefined || child === false) continue;
      node.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
    return node;
  }

  function clear(node) {
    while (node.firstChild) node.removeChild(node.firstChild);
    return node;
  }

  /* Only http(s) and same-origin paths become links: a "javascript:" URL in data never does. */
  function safeUrl(url) {
    if (typeof url !== "string" || !url.trim()) return null;
    if (url.startsWith("#") || (url.startsWith("/") && !url.startsWith("//"))) return url;
    try {
      const parsed = new URL(url, location.origin);
      return parsed.protocol === "https:" || parsed.protocol === "http:" ? parsed.href : null;
    } catch (_) {
      return null;
    }
  }

  /* ---------- keys ---------- */
  const keys = {
    get: () => sessionStorage.getItem(KEY_ITEM),
    who: () => {
      try { return JSON.parse(sessionStorage.getItem(WHO_ITEM) || "null"); } catch (_) { return null; }
    },
    set(secret, who) {
      sessionStorage.setItem(KEY_ITEM, secret);
      sessionStorage.setItem(WHO_ITEM, JSON.stringify({ name: who.name, role: who.role }));
    },
    clear() {
      sessionStorage.removeItem(KEY_ITEM);
      sessionStorage.removeItem(WHO_ITEM);
    },
  };

  function roleAllows(held, needed) {
    return ROLES.indexOf(held) >= 0 && ROLES.indexOf(held) >= ROLES.indexOf(needed);
  }

  /* ---------- API ---------- */
  class ApiFailure extends Error {
    constructor(status, code, message, body) {
      super(message);
      this.status = status;
      this.code = code;
      this.body = body;
    }
  }

  /* fetch with the key as a header and no cookies at all (credentials: "omit"). */
  async function api(method, path, options = {}) {
    const headers = { Accept: "application/json" };
    const init = { method, headers, credentials: "omit", cache: "no-store", signal: options.signal };
    if (options.raw !== undefined) {
      init.body = options.raw;
      if (options.contentType) headers["Content-Type"] = options.contentType;
    } else if (options.body !== undefined) {
      init.body = JSON.stringify(options.body);
      headers["Content-Type"] = "application/json";
    }
    const secret = options.auth === false ? null : keys.get();
    if (secret) headers["X-API-Key"] = secret;
    let response;
    try {
      response = await fetch(path, init);
    } catch (err) {
      if (err && err.name === "AbortError") throw err;
      throw new ApiFailure(0, "network", "无法连接服务，请检查网络后重试。", null);
    }
    if (options.blob && response.ok) return response.blob();
    let body = null;
    const type = response.headers.get("content-type") || "";
    if (type.includes("json")) {
      try { body = await response.json(); } catch (_) { body = null; }
    }
    if (!response.ok) {
      const error = (body && body.error) || {};
      const failure = new ApiFailure(response.status, error.code || "error",
                                     error.message || `请求失败（${response.status}）`, body);
      if (response.status === 401 && secret && document.body.dataset.area) {
        keys.clear();  // the key was revoked or is wrong: back to sign-in
        goSignin("密钥已失效，请重新登录。");
      }
      throw failure;
    }
    return body;
  }

  function goSignin(message) {
    const area = document.body.dataset.area;
    if (message) sessionStorage.setItem("hotline.signinMessage", message);
    location.replace(`/${area}/signin`);
  }

  /* Staff pages: no key, or a key whose role does not cover the area -> sign-in page. */
  function requireSignin() {
    const area = document.body.dataset.area;
    const needed = document.body.dataset.role;
    const who = keys.who();
    if (!keys.get() || !who) {
      goSignin();
      return null;
    }
    if (!roleAllows(who.role, needed)) {
      goSignin(`当前密钥（${ROLE_NAMES[who.role] || who.role}）无权进入此页面，需要${ROLE_NAMES[needed]}及以上权限。`);
      return null;
    }
    const box = document.getElementById("who");
    if (box) {
      document.getElementById("who-name").textContent = `${who.name}（${ROLE_NAMES[who.role] || who.role}）`;
      box.hidden = false;
      document.getElementById("signout").addEventListener("click", () => {
        keys.clear();
        location.replace(`/${area}/signin`);
      });
    }
    return who;
  }

  /* ---------- small helpers ---------- */
  function debounce(fn, ms) {
    let timer = null;
    const wrapped = (...args) => {
      clearTimeout(timer);
      timer = setTimeout(() => fn(...args), ms);
    };
    wrapped.cancel = () => clearTimeout(timer);
    return wrapped;
  }

  function formatTime(iso) {
    if (!iso) return "";
    const d = new Date(iso);
    if (isNaN(d)) return iso;
    return d.toLocaleString("zh-CN", { timeZone: "Asia/Shanghai", hour12: false,
                                       year: "numeric", month: "2-digit", day: "2-digit",
                                       hour: "2-digit", minute: "2-digit" });
  }

  let toastTimer = null;
  function toast(message, kind) {
    const box = document.getElementById("toast");
    if (!box) return;
    box.textContent = message;
    box.className = "toast show" + (kind ? " " + kind : "");
    clearTimeout(toastTimer);
    toastTimer = setTimeout(() => { box.className = "toast"; }, 3500);
  }

  async function copyText(text) {
    try {
      await navigator.clipboard.writeText(text);
      return true;
    } catch (_) {
      const area = el("textarea", { class: "offscreen", "aria-hidden": "true", readonly: true });
      area.value = text;
      document.body.append(area);
      area.select();
      let ok = false;
      try { ok = document.execCommand("copy"); } catch (__) { ok = false; }
      area.remove();
      return ok;
    }
  }

  function passagePath(id) {
    return "/v1/passages/" + String(id).split("/").map(encodeURIComponent).join("/");
  }

  /* ---------- answers ---------- */
  const KIND_LABELS = { faq: "标准答复", passages: "依据条文整理的答复", no_basis: "未找到明确依据" };

  /* Answer text with [n] markers turned into links to citation n (all text nodes). */
  function answerText(text, prefix, cited) {
    const wrap = el("div", { class: "answer-text" });
    for (const line of String(text || "").split("\n")) {
      const p = el("p");
      const parts = line.split(/\[(\d+)\]/);
      parts.forEach((part, i) => {
        if (i % 2 === 0) {
          if (part) p.append(document.createTextNode(part));
        } else if (cited.has(Number(part))) {
          p.append(el("sup", {}, el("a", {
            href: `#${prefix}-${part}`, class: "cite-ref", "aria-label": `引用 ${part}`,
            on: { click: (event) => { event.preventDefault(); openCitation(prefix, part); } },
          }, `[${part}]`)));
        } else {
          p.append(document.createTextNode(`[${part}]`));
        }
      });
      wrap.append(p);
    }
    return wrap;
  }

  function openCitation(prefix, n) {
    const item = document.getElementById(`${prefix}-${n}`);
    if (!item) return;
    const details = item.querySelector("details");
    if (details) details.open = true;
    item.scrollIntoView({ block: "nearest", behavior: "smooth" });
    const summary = item.querySelector("summary");
    if (summary) summary.focus();
  }

  /* Pieces of quoted sentences to find in an article: a quoted list is its heading and items. */
  function quotePieces(quotes) {
    const pieces = [];
    for (const q of quotes || []) {
      for (const piece of String(q).split(/(?=[（(][一二三四五六七八九十]+[）)])/)) {
        if (piece.trim().length >= 4) pieces.push(piece.trim());
      }
    }
    return pieces;
  }

  /* One paragraph with the quoted pieces wrapped in <mark> (text nodes only, never HTML). */
  function highlighted(text, pieces) {
    const p = el("p");
    let rest = text;
    while (rest) {
      let at = -1;
      let found = "";
      for (const piece of pieces) {
        const i = rest.indexOf(piece);
        if (i >= 0 && (at < 0 || i < at)) { at = i; found = piece; }
      }
      if (at < 0) { p.append(document.createTextNode(rest)); break; }
      if (at > 0) p.append(document.createTextNode(rest.slice(0, at)));
      p.append(el("mark", { class: "quoted" }, found));
      rest = rest.slice(at + found.length);
    }
    return p;
  }

  /* An article's text, one <p> per paragraph (款), quoted sentences highlighted. */
  function paragraphs(text, quotes) {
    const pieces = quotePieces(quotes);
    return String(text || "").split(/\n+/).filter((t) => t.trim()).map((t) => highlighted(t, pieces));
  }

  function citationItem(c, prefix) {
    const url = safeUrl(c.url);
    return el("li", { id: `${prefix}-${c.n}`, class: "citation" },
      el("details", {},
        el("summary", {}, el("span", { class: "cite-n" }, `[${c.n}]`), " ", c.citation || c.passage_id),
        el("div", { class: "article-text" }, paragraphs(c.text || "（条文内容暂不可用）", c.quotes)),
        url ? el("p", { class: "source" },
          el("a", { href: url, target: "_blank", rel: "noopener noreferrer" }, "查看原文（来源）"),
          el("span", { class: "muted" }, " ", new URL(url, location.origin).hostname)) : null));
  }

  function citationList(citations, prefix) {
    return el("ol", { class: "citation-list", "aria-label": "引用依据" },
              citations.map((c) => citationItem(c, prefix)));
  }

  /* Renders an AnswerOut ({kind, text, citations, escalation}) into `box`. */
  function renderAnswer(box, answer, options = {}) {
    const prefix = options.prefix || "cite";
    clear(box);
    box.dataset.kind = answer.kind;
    const head = el("div", { class: "answer-head" },
      el("span", { class: `badge badge-${answer.kind}` }, KIND_LABELS[answer.kind] || answer.kind),
      options.extra || null);
    box.append(head);
    if (answer.kind === "no_basis") {
      append(box, [
        el("p", { class: "no-basis-title" }, "未找到明确依据"),
        el("p", {}, "我们没有在现行法规和已审核的标准答复中找到能够直接回答这个问题的依据，因此不作推测性答复。"),
        answer.escalation ? el("p", { class: "escalation-note" }, answer.escalation) : null,
        el("div", { class: "escalation" },
          el("p", { class: "escalation-title" }, "您可以："),
          el("ul", {},
            el("li", {}, "拨打 ", el("strong", {}, "12345"), " 市民服务热线，由工作人员解答或转交承办部门；"),
            el("li", {}, "通过 12345 网上渠道", el("strong", {}, "留言"), "，承办部门将在规定时限内答复。")))]);
      return box;
    }
    const cited = new Set((answer.citations || []).map((c) => Number(c.n)));
    if (answer.summary && answer.points && answer.points.length) {
      /* Conclusion first (what an agent reads out), then the rule quoted exactly. */
      const head = el("p", { class: "answer-summary" }, answer.summary);
      const confidence = options.confidence && answer.confidence
        ? el("span", { class: `badge badge-confidence ${answer.confidence === "有依据" ? "ok" : "check"}` },
             answer.confidence) : null;
      box.append(el("div", { class: "summary-row" }, head, confidence));
      const lines = answer.points.map((pt) => `${pt.citation}：${pt.text}[${pt.n}]`).join("\n");
      box.append(answerText(lines, prefix, cited));
    } else {
      box.append(answerText(answer.text, prefix, cited));
    }
    if (answer.citations && answer.citations.length) {
      box.append(el("h3", { class: "citations-title" }, "依据"), citationList(answer.citations, prefix));
    }
    if (answer.kind === "passages" && options.note !== false) {
      box.append(el("p", { class: "hint" }, "以上内容摘自法规条文，仅供参考，具体以承办部门答复为准。"));
    }
    return box;
  }

  /* The reply script an agent reads out or pastes: text plus the citations. */
  function replyScript(answer) {
    const lines = answer.summary && answer.points && answer.points.length
      ? [answer.summary, ...answer.points.map((pt) => `${pt.citation}：${pt.text}[${pt.n}]`)]
      : [String(answer.text || "")];
    if (answer.citations && answer.citations.length) {
      lines.push("", "依据：");
      for (const c of answer.citations) lines.push(`[${c.n}] ${c.citation}`);
    }
    return lines.join("\n");
  }

  function errorMessage(err) {
    if (err instanceof ApiFailure) return err.message;
    return "出现错误，请稍后再试。";
  }

  window.Hotline = {
    el, append, clear, safeUrl, keys, roleAllows, api, ApiFailure, requireSignin, debounce,
    formatTime, toast, copyText, passagePath, renderAnswer, paragraphs, citationList, replyScript,
    errorMessage, ROLE_NAMES, openCitation,
  };
})();
