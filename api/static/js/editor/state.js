/* What the editor's panels share: the FAQ being edited, its chosen citations, and the passages
   already fetched. Panels change the draft here and subscribe with on(), so a change redraws
   every panel that shows it without the panels calling each other. */

import { api, passagePath } from "../lib/api.js";

export const draft = {
  faq: null,       // the FAQ being edited, as the API returned it; null for a new one
  citations: [],   // passage ids, in order
  gap: [],         // query-log ids of the knowledge gap a new FAQ is drafted from
};
export const passages = new Map();  // passage id -> {citation, text, url}

const listeners = { faq: [], citations: [] };

/* what: "faq" (edited FAQ replaced or changed status) or "citations" */
export function on(what, fn) {
  listeners[what].push(fn);
}

function emit(what) {
  for (const fn of listeners[what]) fn();
}

export function setFaq(faq) {
  draft.faq = faq;
  emit("faq");
}

export function setCitations(ids) {
  draft.citations = [...ids];
  emit("citations");
}

export function isRetired() {
  return Boolean(draft.faq && draft.faq.status === "retired");
}

/* Search hits carry their text: keep it so inserting one needs no second request. */
export function remember(hits) {
  for (const h of hits) passages.set(h.passage_id, { citation: h.citation, text: h.text, url: h.url });
}

/* Resolves saved citations; one no longer in the index is shown as such, not dropped. */
export async function ensurePassages(ids) {
  const missing = ids.filter((id) => !passages.has(id));
  await Promise.all(missing.map(async (id) => {
    try {
      const p = await api("GET", passagePath(id));
      passages.set(id, { citation: p.citation, text: p.text, url: p.url });
    } catch (_) {
      passages.set(id, { citation: `${id}（条文已不在当前索引中）`, text: "", url: "" });
    }
  }));
}
