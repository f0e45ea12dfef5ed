/* The gaps queue: refused or badly rated questions grouped by meaning; one click starts a FAQ
   from a group with its phrasings and the top search hits as suggested citations. */

import { STALE, api, errorMessage, newestWins } from "../lib/api.js";
import { $, clear, el } from "../lib/dom.js";
import { formatTime } from "../lib/time.js";
import { toast } from "../widgets/toast.js";
import { newFaq } from "./form.js";
import { showSearch } from "./picker.js";
import { draft, remember, setCitations } from "./state.js";
import { onShow, selectTab } from "../widgets/tabs.js";

const requests = newestWins();

async function loadGaps() {
  $("gaps-summary").textContent = "正在加载…";
  let body;
  try {
    body = await requests.run((signal) => api("GET", "/v1/analytics/gaps/grouped", { signal }));
  } catch (err) {
    $("gaps-summary").textContent = errorMessage(err);
    return;
  }
  if (body !== STALE) renderGaps(body);
}

function renderGaps(body) {
  const list = clear($("gaps"));
  $("gaps-summary").textContent = body.groups.length
    ? `${body.total} 条提问，归为 ${body.groups.length} 组` : "暂无缺口：所有提问都已答复且无差评。";
  for (const g of body.groups) {
    const others = g.variants.filter((v) => v !== g.question);
    list.append(el("li", { class: "gap card" },
      el("p", { class: "gap-question" }, g.question),
      el("p", { class: "muted" }, `共 ${g.count} 次`,
         g.refused ? ` · 未能答复 ${g.refused}` : "", g.negative_feedback ? ` · 差评 ${g.negative_feedback}` : "",
         ` · 最近 ${formatTime(g.latest_at)}`),
      others.length ? el("details", {}, el("summary", {}, `相近问法（${others.length}）`),
                         el("ul", {}, others.map((v) => el("li", {}, v)))) : null,
      el("button", { type: "button", class: "btn btn-primary", on: { click: () => fromGap(g) } }, "据此新建 FAQ")));
  }
}

async function fromGap(group) {
  newFaq({ question: group.question, alternatives: group.variants.filter((v) => v !== group.question) });
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
