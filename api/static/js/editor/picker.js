/* The FAQ's citations: the chosen list, and the live picker that searches passages while the
   editor types. The results list is not a live region; #picker-status says what changed. */

import { STALE, api, errorMessage, newestWins } from "../lib/api.js";
import { $, clear, el } from "../lib/dom.js";
import { debounce } from "../lib/time.js";
import { draft, isRetired, on, passages, remember, setCitations } from "./state.js";

const search = newestWins();

function say(message) {
  $("picker-status").textContent = message;
}

function citationName(id) {
  return (passages.get(id) || { citation: id }).citation;
}

function renderChosen() {
  const list = clear($("e-citations"));
  const retired = isRetired();
  draft.citations.forEach((id, i) => {
    const name = citationName(id);
    list.append(el("li", { class: "chosen" },
      el("span", {}, `[${i + 1}] `, name), " ", el("code", {}, id), " ",
      retired ? null : el("button", { type: "button", class: "btn btn-quiet", "aria-label": `移除引用 ${name}`,
                                      on: { click: () => remove(i) } }, "移除")));
  });
  $("no-citations").hidden = draft.citations.length > 0;
  renderInsertButtons();
}

function remove(i) {
  const name = citationName(draft.citations[i]);
  setCitations(draft.citations.filter((_, k) => k !== i));
  say(`已移除引用 ${name}`);
}

function insert(id) {
  if (!draft.citations.includes(id)) setCitations([...draft.citations, id]);
  say(`已插入引用 [${draft.citations.indexOf(id) + 1}] ${citationName(id)}`);
}

async function searchPassages() {
  const q = $("picker-q").value.trim();
  if (!q) {
    search.cancel();
    showHits([]);
    return;
  }
  let body;
  try {
    body = await search.run((signal) => api("POST", "/v1/search", { body: { query: q, top_k: 8 }, signal }));
  } catch (err) {
    clear($("picker-results"));
    say(errorMessage(err));
    return;
  }
  if (body === STALE) return;
  remember(body.results);
  showHits(body.results);
}

function showHits(results) {
  const list = clear($("picker-results"));
  for (const h of results) {
    list.append(el("li", { class: "pick", "data-id": h.passage_id },
      el("div", {}, el("strong", {}, h.citation), " ", el("code", {}, h.passage_id)),
      el("p", { class: "snippet" }, h.text.length > 90 ? h.text.slice(0, 90) + "…" : h.text),
      el("button", { type: "button", class: "btn btn-small", "data-insert": h.passage_id,
                     "aria-label": `插入 ${h.citation}`, on: { click: () => insert(h.passage_id) } }, "插入")));
  }
  renderInsertButtons();
  say($("picker-q").value.trim() ? (results.length ? `找到 ${results.length} 条条文` : "没有找到相关条文") : "");
}

/* A passage already cited cannot be inserted twice. */
function renderInsertButtons() {
  for (const b of document.querySelectorAll("[data-insert]")) {
    const inside = draft.citations.includes(b.dataset.insert);
    b.disabled = inside;
    b.textContent = inside ? "已插入" : "插入";
  }
}

/* Shows a search made elsewhere (a gap's question) as if typed into the picker. */
export function showSearch(query, results) {
  search.cancel();
  $("picker-q").value = query;
  showHits(results);
}

export function initPicker() {
  on("citations", renderChosen);
  on("faq", () => {
    renderChosen();
    $("picker-q").disabled = isRetired();
  });
  $("picker-q").addEventListener("input", debounce(searchPassages, 250));
  $("picker-q").addEventListener("keydown", (event) => {
    if (event.key === "Enter") { event.preventDefault(); searchPassages(); }
  });
}
