/* Index versions: what each changed against the version live when it was built, its regression
   gate figures, and activation (启用 / 回滚, also offered for a gated crawl run or upload). */

import { api, errorMessage } from "../lib/api.js";
import { clear, el } from "../lib/dom.js";
import { formatTime } from "../lib/time.js";
import { toast } from "../widgets/toast.js";
import { confirmClick } from "./confirm.js";

const activated = [];

/* fn runs after any version was made live from this page (other panels reload what it changed). */
export function onActivated(fn) {
  activated.push(fn);
}

/* A two-click button that makes `version` live. */
export function activationButton(version, text, question) {
  const button = el("button", { type: "button", class: "btn btn-small", "data-version": version }, text);
  return confirmClick(button, question, async () => {
    try {
      const result = await api("POST", `/v1/indexes/${encodeURIComponent(version)}/activate`);
      toast(`已切换到索引 ${result.active}`, "ok");
      for (const fn of activated) fn();
    } catch (err) {
      toast(errorMessage(err), "warn");
    }
  });
}

export async function loadIndexes() {
  const body = clear(document.querySelector("#index-table tbody"));
  let versions;
  try {
    versions = await api("GET", "/v1/indexes");
  } catch (err) {
    body.append(el("tr", {}, el("td", { colspan: 8 }, errorMessage(err))));
    return;
  }
  const activeAt = (versions.find((v) => v.active) || {}).created_at || "";
  for (const v of [...versions].reverse()) {
    const older = (v.created_at || "") < activeAt;
    body.append(el("tr", { class: v.active ? "active" : null, "data-version": v.version },
      el("td", {}, el("code", {}, v.version)),
      el("td", {}, formatTime(v.created_at)),
      el("td", {}, String(v.documents ?? "—")),
      el("td", {}, String(v.passages ?? "—")),
      el("td", { class: "changes" }, changesCell(v.changes)),
      el("td", { class: "gate" }, gateCell(v.gate)),
      el("td", {}, v.active ? el("span", { class: "status status-published" }, "使用中") : (older ? "可回滚" : "未启用")),
      el("td", {}, v.active ? null : activationButton(v.version, older ? "回滚到此版本" : "启用此版本",
                                                         older ? "确认回滚？" : "确认启用？"))));
  }
}

function changeLine(kind, doc) {
  if (kind === "added") return el("li", { class: "change-added" }, `新增《${doc.title}》（${doc.passages} 段）`);
  if (kind === "removed") return el("li", { class: "change-removed" }, `移除《${doc.title}》（${doc.passages} 段）`);
  const parts = [["新增", doc.passages_added], ["修改", doc.passages_changed], ["删去", doc.passages_removed]]
    .filter(([, n]) => n).map(([what, n]) => `${what} ${n} 段`);
  return el("li", {}, `更新《${doc.title}》：${parts.join("、") || "文件信息变更"}`);
}

/* "新增 2 · 更新 1 · 移除 0", opening to the documents; the first version lists what it holds. */
function changesCell(changes) {
  if (!changes) return "—";
  const { added, changed, removed } = changes;
  if (changes.previous === null) return `首个版本：${added.length} 篇文件`;
  if (!added.length && !changed.length && !removed.length) return "与上一版本相同";
  return el("details", {},
    el("summary", {}, `新增 ${added.length} · 更新 ${changed.length} · 移除 ${removed.length}`),
    el("p", { class: "muted" }, "对比 ", el("code", {}, changes.previous)),
    el("ul", {}, ...added.map((d) => changeLine("added", d)), ...changed.map((d) => changeLine("changed", d)),
       ...removed.map((d) => changeLine("removed", d))));
}

const recall = (x) => (x === null || x === undefined ? "—" : x.toFixed(3));

/* Passed or not, Recall@5 live → new, and how many questions counted. */
function gateCell(gate) {
  if (!gate) return el("span", { class: "muted" }, "未经回归检验");
  const verdict = el("span", { class: gate.passed ? "gate-passed" : "gate-failed" }, gate.passed ? "通过" : "未通过");
  if (gate.new_recall === null) return [verdict, el("br"), el("span", { class: "muted" }, gate.message)];
  const figures = gate.live_recall === null ? `Recall@5 ${recall(gate.new_recall)}`
    : `Recall@5 ${recall(gate.live_recall)} → ${recall(gate.new_recall)}`;
  const counted = `比较 ${gate.compared} 题` + (gate.skipped ? `，${gate.skipped} 题因依据文件变更未计入` : "");
  return [verdict, " ", figures, el("br"), el("span", { class: "muted" }, counted)];
}
