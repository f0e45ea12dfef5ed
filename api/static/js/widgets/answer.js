/* The answer renderer the portal, the agent card and the editor preview share, so the preview
   is exactly what the portal shows; and the reply script an agent copies. */

import { append, clear, el } from "../lib/dom.js";
import { citationList, openCitation } from "./citations.js";

const KIND_LABELS = { faq: "标准答复", passages: "依据条文整理的答复", no_basis: "未找到明确依据" };

function kindLabel(kind) {
  return KIND_LABELS[kind] || kind;
}

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

function pointLines(answer) {
  return answer.points.map((pt) => `${pt.citation}：${pt.text}[${pt.n}]`);
}

function hasPoints(answer) {
  return Boolean(answer.summary && answer.points && answer.points.length);
}

/* "12345" as a link that dials it (el() makes links from http(s) URLs only; this one is fixed). */
function hotlineLink() {
  const link = el("a", { class: "tel" }, el("strong", {}, "12345"));
  link.setAttribute("href", "tel:12345");
  return link;
}

/* Where a citizen turns next: call 12345, or leave a message on its online platform. */
function escalationBlock(onlineUrl) {
  return el("div", { class: "escalation" },
    el("p", { class: "escalation-title" }, "您可以："),
    el("ul", {},
      el("li", {}, "拨打 ", hotlineLink(), " 市民服务热线，由工作人员解答或转交承办部门；"),
      el("li", {}, "通过 12345 网上渠道",
         onlineUrl ? el("a", { href: onlineUrl, target: "_blank", rel: "noopener noreferrer" }, "网上留言")
                   : el("strong", {}, "留言"),
         "，承办部门将在规定时限内答复。")));
}

/* One refusal block: the badge says 未找到明确依据 once, then why, then one way onwards: for
   citizens a referral to another department when the question is theirs, else 12345; for
   agents the service's escalation sentence, which is written for them. */
function noBasis(box, answer, options) {
  append(box, [
    el("p", {}, "我们没有在现行法规和已审核的标准答复中找到能够直接回答这个问题的依据，因此不作推测性答复。"),
    options.agent
      ? (answer.escalation ? el("p", { class: "escalation" }, answer.escalation) : null)
      : [answer.referral ? el("p", { class: "escalation-note" }, answer.referral) : null,
         escalationBlock(options.onlineUrl)]]);
}

/* Renders an AnswerOut ({kind, text, summary, points, citations, escalation, referral,
   review_warning}) into `box`. options: prefix (of the citation ids), extra (node beside the
   badge), note: false (no "for reference" line), confidence (show the 有依据 / 需核实 badge),
   review (agents: show a FAQ's 待复核 warning and mark each citation whose basis changed),
   agent (a refusal says where to escalate, not the citizen's options), onlineUrl (the 12345
   online platform a refusal links to). */
export function renderAnswer(box, answer, options = {}) {
  const prefix = options.prefix || "cite";
  clear(box);
  box.dataset.kind = answer.kind;
  const warning = options.review && answer.review_warning;
  box.append(el("div", { class: "answer-head" },
    el("span", { class: `badge badge-${answer.kind}` }, kindLabel(answer.kind)),
    warning ? el("span", { class: "badge badge-review" }, "依据待复核") : null, options.extra || null));
  if (warning) box.append(el("p", { class: "review-warning", role: "note" }, answer.review_warning));
  if (answer.kind === "no_basis") {
    noBasis(box, answer, options);
    return box;
  }
  const cited = new Set((answer.citations || []).map((c) => Number(c.n)));
  if (hasPoints(answer)) {
    /* Conclusion first (what an agent reads out), then the rule quoted exactly. */
    const confidence = options.confidence && answer.confidence
      ? el("span", { class: `badge badge-confidence ${answer.confidence === "有依据" ? "ok" : "check"}` },
           answer.confidence) : null;
    box.append(el("div", { class: "summary-row" }, el("p", { class: "answer-summary" }, answer.summary), confidence));
    box.append(answerText(pointLines(answer).join("\n"), prefix, cited));
  } else {
    box.append(answerText(answer.text, prefix, cited));
  }
  if (answer.citations && answer.citations.length) {
    box.append(el("h3", { class: "citations-title" }, "依据"),
               citationList(answer.citations, prefix, { changes: Boolean(options.review) }));
  }
  if (answer.kind === "passages" && options.note !== false) {
    box.append(el("p", { class: "hint" }, "以上内容摘自法规条文，仅供参考，具体以承办部门答复为准。"));
  }
  return box;
}

/* One line for a status region: what kind of answer came and on how many citations. */
export function answerStatus(answer) {
  const n = (answer.citations || []).length;
  return n ? `${kindLabel(answer.kind)}，已找到 ${n} 条依据` : kindLabel(answer.kind);
}

/* The reply script an agent reads out or pastes: text plus the citations. */
export function replyScript(answer) {
  const lines = hasPoints(answer) ? [answer.summary, ...pointLines(answer)] : [String(answer.text || "")];
  if (answer.citations && answer.citations.length) {
    lines.push("", "依据：");
    for (const c of answer.citations) lines.push(`[${c.n}] ${c.citation}`);
  }
  return lines.join("\n");
}
