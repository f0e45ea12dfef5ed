/* Article text and the expandable items that show it: a numbered citation under an answer
   (portal, agent card, editor preview) and a related passage (agent console). */

import { el, safeUrl } from "../lib/dom.js";
import { label } from "../lib/vocabularies.js";

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

/* A citation is marked when its document is no longer in force, so repealed law is never
   shown as current; with `changes`, also when a FAQ's basis changed since it was reviewed. */
function marks(c, changes) {
  return [
    c.status && c.status !== "有效" ? el("span", { class: "citation-mark" }, c.status) : null,
    changes && c.change ? el("span", { class: "citation-mark" }, label("faq_review_reasons", c.change)) : null,
  ];
}

/* c: {n, passage_id, citation, text, url, quotes, status, change}; its id is `${prefix}-${n}`
   for [n] links. */
function citationItem(c, prefix, changes) {
  const url = safeUrl(c.url);
  return el("li", { id: `${prefix}-${c.n}`, class: "citation" },
    el("details", {},
      el("summary", {}, el("span", { class: "cite-n" }, `[${c.n}]`), " ", c.citation || c.passage_id,
         marks(c, changes)),
      el("div", { class: "article-text" }, paragraphs(c.text || "（条文内容暂不可用）", c.quotes)),
      url ? el("p", { class: "source" },
        el("a", { href: url, target: "_blank", rel: "noopener noreferrer" }, "查看原文（来源）"),
        el("span", { class: "muted" }, " ", new URL(url, location.origin).hostname)) : null));
}

/* options.changes: mark what changed in a FAQ's basis (agents) */
export function citationList(citations, prefix, options = {}) {
  return el("ol", { class: "citation-list", "aria-label": "引用依据" },
            citations.map((c) => citationItem(c, prefix, options.changes)));
}

/* Opens citation n and moves focus to it, for a click on an [n] in the answer text. */
export function openCitation(prefix, n) {
  const item = document.getElementById(`${prefix}-${n}`);
  if (!item) return;
  const details = item.querySelector("details");
  if (details) details.open = true;
  item.scrollIntoView({ block: "nearest", behavior: "smooth" });
  const summary = item.querySelector("summary");
  if (summary) summary.focus();
}

/* p: a search hit {citation, chapter, text, url}, shown as number i + 1. */
export function passageItem(p, i) {
  return el("li", { class: "passage", id: `passage-${i}` },
    el("details", {},
      el("summary", {}, el("span", { class: "cite-n" }, `${i + 1}.`), " ", p.citation,
         p.chapter ? el("span", { class: "muted" }, ` · ${p.chapter}`) : null),
      el("div", { class: "article-text" }, paragraphs(p.text)),
      safeUrl(p.url) ? el("p", { class: "source" },
        el("a", { href: p.url, target: "_blank", rel: "noopener noreferrer" }, "查看原文")) : null));
}
