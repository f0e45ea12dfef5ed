/* The assistant's draft reply for the order, with the articles it cites (fetched with the key,
   as /v1/passages needs one, and shown the way the other pages show citations), and a button
   that puts the draft into the reply form for the agent to edit. */

import { api, errorMessage, passagePath } from "../lib/api.js";
import { $, clear } from "../lib/dom.js";
import { toast } from "../widgets/toast.js";
import { citationList } from "../widgets/citations.js";
import { openAction } from "./actions.js";
import { canDraft, legalActions } from "./lifecycle.js";

const passages = new Map();  // passage id -> promise of the passage; articles do not change under an order
let order = null;
let done = () => {};

function passage(id) {
  if (!passages.has(id)) {
    passages.set(id, api("GET", passagePath(id)).catch(() => { passages.delete(id); return null; }));
  }
  return passages.get(id);
}

async function showCitations(current) {
  const box = clear($("draft-citations"));
  if (!current.draft_citations.length) {
    box.textContent = "无（知识库中未找到明确依据，请人工核实后答复）";
    return;
  }
  const found = await Promise.all(current.draft_citations.map(passage));
  if (order !== current) return;  // another order (or a newer state) was shown meanwhile
  box.append(citationList(current.draft_citations.map((id, i) => ({
    n: i + 1, passage_id: id, citation: found[i] ? found[i].citation : id,
    text: found[i] ? found[i].text : "", url: found[i] ? found[i].url : "",
  })), "draft-cite"));
}

function hint(current) {
  if (!canDraft(current.status)) return "工单已答复或已结束，不能再起草答复。";
  if (!legalActions(current.status).includes("reply")) return "接单后可将草稿填入答复。";
  return current.draft_reply ? "" : "由知识助手依据法规和标准答复起草，核实后再答复。";
}

export function renderDraft(current) {
  order = current;
  $("draft").hidden = !canDraft(order.status);
  $("draft-hint").textContent = hint(order);
  $("draft-body").hidden = !order.draft_reply;
  $("use-draft").hidden = !legalActions(order.status).includes("reply");
  if (!order.draft_reply) return;
  $("draft-text").textContent = order.draft_reply;
  showCitations(order);
}

async function draft() {
  const button = $("draft");
  button.disabled = true;
  $("detail-status").textContent = "正在起草答复…";
  try {
    const updated = await api("POST", `/v1/orders/${order.id}/draft`);
    const n = updated.draft_citations.length;
    $("detail-status").textContent = n ? `已起草答复，引用 ${n} 条依据` : "已起草，但未找到明确依据，请人工答复";
    toast("已起草答复", "ok");
    done(updated);
  } catch (err) {
    $("detail-status").textContent = errorMessage(err);
  } finally {
    button.disabled = false;
  }
}

export function initDraft(onDone) {
  done = onDone;
  $("draft").addEventListener("click", draft);
  $("use-draft").addEventListener("click", () => openAction("reply", order.draft_reply));
}
