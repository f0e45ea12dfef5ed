/* Hit-testing: which published FAQ (its similarity against the threshold) or which passages
   (their scores) would answer a question, without logging it. Only #hit-status is announced. */

import { STALE, api, errorMessage, newestWins } from "../lib/api.js";
import { $, clear, el } from "../lib/dom.js";
import { openFaq } from "./form.js";

const requests = newestWins();
const OUTCOME = { faq: "标准答复", passages: "依据条文的答复", no_basis: "未找到明确依据" };

async function run(event) {
  event.preventDefault();
  const question = $("hit-q").value.trim();
  if (!question) {
    $("hit-status").textContent = "请先输入要测试的问题。";
    return;
  }
  $("hit-status").textContent = "正在测试…";
  let body;
  try {
    body = await requests.run((signal) => api("POST", "/v1/faqs/hit-test",
                                                { body: { question, audience: $("hit-audience").value }, signal }));
  } catch (err) {
    $("hit-status").textContent = errorMessage(err);
    return;
  }
  if (body !== STALE) render(body);
}

function score(value) {
  return value.toFixed(3);
}

function render(body) {
  const box = clear($("hit-result"));
  $("hit-status").textContent = body.kind === "faq"
    ? `命中 FAQ #${body.faq_id}（相似度 ${score(body.evidence)}，阈值 ${score(body.threshold)}）`
    : `未命中 FAQ：将以「${OUTCOME[body.kind]}」作答`;
  box.append(el("section", { class: "card", "aria-labelledby": "hit-faqs-title" },
    el("h3", { id: "hit-faqs-title" }, `最相近的 FAQ（命中阈值 ${score(body.threshold)}）`),
    body.faqs.length ? el("table", { class: "table hit-table" },
      el("thead", {}, el("tr", {}, el("th", { scope: "col" }, "编号"), el("th", { scope: "col" }, "问题"),
                                   el("th", { scope: "col" }, "相似度"), el("th", { scope: "col" }, "结果"))),
      el("tbody", {}, body.faqs.map((f) => el("tr", { class: f.answers ? "hit" : "", "data-id": f.id },
        el("td", {}, `#${f.id}`),
        el("td", {}, el("button", { type: "button", class: "link", on: { click: () => openFaq(f.id) } }, f.question)),
        el("td", {}, score(f.similarity)),
        el("td", {}, f.id === body.faq_id ? "命中（将答复）" : f.answers ? "达到阈值" : "未达阈值")))))
      : el("p", { class: "muted" }, "还没有对此渠道发布的 FAQ。")),
  el("section", { class: "card", "aria-labelledby": "hit-passages-title" },
    el("h3", { id: "hit-passages-title" }, body.kind === "passages" ? "将引用的条文（检索得分）" : "检索到的条文（检索得分）"),
    body.passages.length ? el("ol", { class: "hit-passages" }, body.passages.map((p) => el("li", { "data-id": p.passage_id },
      el("strong", {}, p.citation), ` 得分 ${score(p.score)}（语义 ${score(p.dense_score)}，关键词 ${score(p.keyword_score)}）`,
      el("p", { class: "snippet" }, p.text.length > 120 ? p.text.slice(0, 120) + "…" : p.text))))
      : el("p", { class: "muted" }, "没有检索到相关条文。")));
}

export function initHitTest() {
  $("hit-form").addEventListener("submit", run);
}
