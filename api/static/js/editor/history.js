/* Version history of the FAQ being edited (a publication names its authors and its reviewer),
   and a diff between any two of its versions. */

import { STALE, api, newestWins } from "../lib/api.js";
import { $, clear, el } from "../lib/dom.js";
import { diffText } from "../lib/diff.js";
import { formatTime } from "../lib/time.js";
import { label } from "../lib/vocabularies.js";
import { draft, on } from "./state.js";

const FIELDS = [["question", "问题"], ["alternatives", "其他问法"], ["answer", "答复"], ["citations", "引用依据"],
                ["topic", "主题"], ["audience", "受众"], ["valid_until", "有效期至"], ["status", "状态"],
                ["review_reason", "依据复核"], ["revision", "修订"]];
const TEXT_FIELDS = ["question", "answer", "topic"];
const requests = newestWins();
let versions = [];

function action(v) {
  return label("faq_actions", v.action);
}

async function loadHistory() {
  const faq = draft.faq;
  if (!faq) {
    requests.cancel();
    versions = [];
    render();
    return;
  }
  let body;
  try {
    body = await requests.run((signal) => api("GET", `/v1/faqs/${faq.id}/history`, { signal }));
  } catch (_) {
    return;  // the form still works; the history shows again on the next save
  }
  if (body === STALE) return;
  versions = body;
  render();
}

function render() {
  const list = clear($("history"));
  const from = clear($("diff-from"));
  const to = clear($("diff-to"));
  for (const v of versions) {
    list.append(el("li", {}, el("strong", {}, `v${v.version}`), ` ${action(v)} · ${v.actor} · ${formatTime(v.at)}`,
      v.reviewer ? el("span", { class: "muted" }, ` （作者 ${v.authors.join("、") || "—"}，审核 ${v.reviewer}）`) : null));
    from.append(el("option", { value: v.version }, `v${v.version}（${action(v)}）`));
    to.append(el("option", { value: v.version }, `v${v.version}（${action(v)}）`));
  }
  $("diff-controls").hidden = versions.length < 2;
  if (versions.length >= 2) {
    from.value = String(versions[versions.length - 2].version);
    to.value = String(versions[versions.length - 1].version);
  }
  renderDiff();
}

function shown(field, value) {
  if (field === "review_reason") return value ? label("faq_review_reasons", value) : "无需复核";
  if (field === "revision") return value ? `修订${label("faq_statuses", value)}` : "无修订";
  if (value === null || value === undefined || value === "") return "（空）";
  if (field === "status") return label("faq_statuses", value);
  if (field === "audience") return label("audiences", value);
  return String(value);
}

function fieldDiff(field, before, after) {
  if (Array.isArray(before) || Array.isArray(after)) {
    const old = before || [], now = after || [];
    return el("ul", { class: "diff-list" },
      old.filter((x) => !now.includes(x)).map((x) => el("li", {}, el("del", {}, x))),
      now.filter((x) => !old.includes(x)).map((x) => el("li", {}, el("ins", {}, x))));
  }
  if (TEXT_FIELDS.includes(field)) {
    return el("p", { class: "diff-text" }, diffText(before || "", after || "").map((part) =>
      part.op === "=" ? part.text : el(part.op === "+" ? "ins" : "del", {}, part.text)));
  }
  return el("p", {}, el("del", {}, shown(field, before)), " → ", el("ins", {}, shown(field, after)));
}

function renderDiff() {
  const box = clear($("diff"));
  if (versions.length < 2) return;
  const a = versions.find((v) => String(v.version) === $("diff-from").value);
  const b = versions.find((v) => String(v.version) === $("diff-to").value);
  if (!a || !b) return;
  let changed = 0;
  const table = el("dl", { class: "diff-table" });
  for (const [field, name] of FIELDS) {
    // ?? null: versions recorded before a field existed do not show it as changed.
    const before = a.snapshot[field] ?? null, after = b.snapshot[field] ?? null;
    if (JSON.stringify(before) === JSON.stringify(after)) continue;
    changed += 1;
    table.append(el("dt", {}, name), el("dd", {}, fieldDiff(field, before, after)));
  }
  box.append(el("p", { class: "muted" }, `v${a.version} → v${b.version}：`, changed ? `${changed} 处字段变化` : "内容相同"), table);
}

export function initHistory() {
  on("faq", loadHistory);
  $("diff-from").addEventListener("change", renderDiff);
  $("diff-to").addEventListener("change", renderDiff);
}
