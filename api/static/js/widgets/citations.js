/* Article text and the expandable items that show it: a numbered citation under an answer
   (portal, agent card, editor preview) and a related passage (agent console). */

import { el, safeUrl } from "../lib/dom.js";
import { label } from "../lib/vocabularies.js";

const IN_FORCE = "有效";

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

/* "2020-01-01" -> "2020年1月1日"; anything else as given. */
function chineseDate(iso) {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(String(iso || ""));
  return m ? `${m[1]}年${Number(m[2])}月${Number(m[3])}日` : String(iso || "");
}

/* The document's 效力, always shown: a citation of law no longer (or not yet) in force must
   never read as the rule today. */
function statusTag(status) {
  if (!status) return null;
  return el("span", { class: status === IN_FORCE ? "status status-published citation-status" : "citation-mark citation-status" },
            status === IN_FORCE ? "现行有效" : status);
}

/* 效力 and 施行日期 of the cited document. */
function metaLine(item) {
  return el("p", { class: "source citation-meta muted" },
    `效力：${item.status || "未知"}`,
    item.effective_date ? ` · 施行日期：${chineseDate(item.effective_date)}` : null);
}

/* Where the text comes from: the issuing body's own page, or for a bundled statute the
   mirror it was taken from, labelled as a copy so nobody takes it for the official text. */
function sourceLine(item) {
  const url = safeUrl(item.url);
  if (!url) return null;
  const host = el("span", { class: "muted" }, " ", new URL(url, location.origin).hostname);
  const link = (text) => el("a", { href: url, target: "_blank", rel: "noopener noreferrer" }, text);
  if (item.source_kind === "mirror") {
    return el("p", { class: "source" }, link("法规库副本"),
              el("span", { class: "muted" }, "（非官方发布文本，以官方公布为准）"), host);
  }
  return el("p", { class: "source" }, link("查看原文（官方发布）"), host);
}

/* With `changes`, a FAQ's citation whose basis changed since it was reviewed is marked too. */
function changeMark(c, changes) {
  return changes && c.change ? el("span", { class: "citation-mark" }, label("faq_review_reasons", c.change)) : null;
}

/* c: {n, passage_id, citation, text, url, quotes, status, effective_date, source_kind, change};
   its id is `${prefix}-${n}` for [n] links. */
function citationItem(c, prefix, changes) {
  return el("li", { id: `${prefix}-${c.n}`, class: "citation" },
    el("details", {},
      el("summary", {}, el("span", { class: "cite-n" }, `[${c.n}]`), " ", c.citation || c.passage_id, " ",
         statusTag(c.status), changeMark(c, changes)),
      metaLine(c),
      el("div", { class: "article-text" }, paragraphs(c.text || "（条文内容暂不可用）", c.quotes)),
      sourceLine(c)));
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

/* A hit that gives way to a higher law on its matter (superseded_by) stays in view, marked,
   so an agent who reads it knows which article to read out instead: [mark, note] or nulls. */
function superseded(p) {
  const by = p.superseded_by || [];
  if (!by.length) return [null, null];
  return [el("span", { class: "citation-mark" }, "已由上位法取代"),
          el("p", { class: "source citation-meta" }, `就此事项以${by.join("、")}为准，本条不作为答复依据。`)];
}

/* p: a search hit {citation, chapter, text, url, status, effective_date, source_kind,
   superseded_by}, shown as number i + 1. */
export function passageItem(p, i) {
  const [supersededMark, supersededNote] = superseded(p);
  return el("li", { class: "passage", id: `passage-${i}` },
    el("details", {},
      el("summary", {}, el("span", { class: "cite-n" }, `${i + 1}.`), " ", p.citation,
         p.chapter ? el("span", { class: "muted" }, ` · ${p.chapter}`) : null, " ", statusTag(p.status),
         supersededMark),
      metaLine(p),
      supersededNote,
      el("div", { class: "article-text" }, paragraphs(p.text)),
      sourceLine(p)));
}
