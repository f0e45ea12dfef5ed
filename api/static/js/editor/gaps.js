/* The gaps queue: refused or badly rated questions grouped by meaning, with their channels and
   why they were refused; one click starts a FAQ from a group with its phrasings and the top
   search hits as suggested citations (the gap closes when that FAQ is published), or the group
   is marked 忽略 / 不属于本部门 / 已处理 with a reason and leaves the queue. */

import { api, errorMessage, loadInto, newestWins } from "../lib/api.js";
import { $, clear, el } from "../lib/dom.js";
import { formatTime } from "../lib/time.js";
import { label } from "../lib/vocabularies.js";
import { toast } from "../widgets/toast.js";
import { newFaq, openFaq } from "./form.js";
import { showSearch } from "./picker.js";
import { draft, remember, setCitations } from "./state.js";
import { onShow, selectTab } from "../widgets/tabs.js";

const requests = newestWins();

function loadGaps() {
  return loadInto($("gaps-summary"), requests, (signal) => api("GET", "/v1/analytics/gaps/grouped", { signal }),
                  renderGaps);
}

function renderGaps(body) {
  const list = clear($("gaps"));
  $("gaps-summary").textContent = body.groups.length
    ? `${body.total} 条提问，归为 ${body.groups.length} 组` : "暂无缺口：所有提问都已答复且无差评。";
  body.groups.forEach((g, i) => {
    const others = g.variants.filter((v) => v !== g.question);
    list.append(el("li", { class: "gap card", "data-first": g.query_ids[0] },
      el("p", { class: "gap-question" }, g.question),
      el("p", { class: "muted" }, `共 ${g.count} 次`,
         g.refused ? ` · 未能答复 ${g.refused}` : "", g.negative_feedback ? ` · 差评 ${g.negative_feedback}` : "",
         ` · 渠道：${g.channels.map((c) => label("channels", c)).join("、")}`,
         g.reasons.length ? ` · 原因：${g.reasons.map((r) => label("refusal_reasons", r)).join("、")}` : "",
         ` · 最近 ${formatTime(g.latest_at)}`),
      g.faq_ids.length ? el("p", {}, "已据此起草（发布后此缺口关闭）：", g.faq_ids.map((id) =>
        el("button", { type: "button", class: "link", on: { click: () => openFaq(id) } }, ` FAQ #${id}`))) : null,
      others.length ? el("details", {}, el("summary", {}, `相近问法（${others.length}）`),
                         el("ul", {}, others.map((v) => el("li", {}, v)))) : null,
      el("div", { class: "actions" },
        el("button", { type: "button", class: "btn btn-primary", on: { click: () => fromGap(g) } }, "据此新建 FAQ"),
        triageForm(g, i))));
  });
}

/* 忽略 / 不属于本部门 / 已处理, with the reason the service requires. */
function triageForm(group, i) {
  const choice = el("select", { id: `triage-${i}` },
    ["ignored", "not_ours", "handled"].map((t) => el("option", { value: t }, label("gap_triages", t))));
  const note = el("input", { id: `triage-note-${i}`, type: "text", maxlength: "500", placeholder: "如：属交通部门职责" });
  return el("form", { class: "triage", on: { submit: (event) => { event.preventDefault(); triage(group, choice.value, note); } } },
    el("label", { for: `triage-${i}` }, "处理为"), choice,
    el("label", { for: `triage-note-${i}` }, "原因"), note,
    el("button", { type: "submit", class: "btn" }, "标记"));
}

async function triage(group, choice, note) {
  if (!note.value.trim()) {
    toast("请填写处理原因", "warn");
    note.focus();
    return;
  }
  try {
    const body = await api("POST", "/v1/analytics/gaps/triage",
                           { body: { query_ids: group.query_ids, triage: choice, note: note.value.trim() } });
    toast(`已标记为「${label("gap_triages", choice)}」（${body.updated} 条提问），移出缺口队列`, "ok");
  } catch (err) {
    toast(errorMessage(err), "warn");
    return;
  }
  loadGaps();
}

async function fromGap(group) {
  newFaq({ question: group.question, alternatives: group.variants.filter((v) => v !== group.question),
           gap_ids: group.query_ids });
  selectTab("edit");
  $("e-answer").focus();
  try {
    const body = await api("POST", "/v1/search", { body: { query: group.question, top_k: 3 } });
    remember(body.results);
    if (!draft.faq) setCitations(body.results.map((h) => h.passage_id));  // unless saved meanwhile
    showSearch(group.question, body.results);
    toast("已预填问题和建议引用，请核对引用并撰写答复", "ok");
  } catch (err) {
    toast(errorMessage(err), "warn");
  }
}

export function initGaps() {
  onShow("gaps", loadGaps);
  $("reload-gaps").addEventListener("click", loadGaps);
}
