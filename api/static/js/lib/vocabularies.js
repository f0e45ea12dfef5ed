/* The product's code lists with their Chinese labels, from GET /v1/meta/vocabularies, so the
   pages keep no copies of their own. Fetched once per page; a failed fetch is retried on the
   next call, and until the lists arrive a code is shown as itself. */

import { api } from "./api.js";
import { el } from "./dom.js";

let loading = null;
let lists = {};

/* -> {name: [{value, label}]} (doc_types, statuses, roles, audiences, faq_statuses, faq_actions,
   channels, ratings, page_kinds) */
export function vocabularies() {
  if (!loading) {
    loading = api("GET", "/v1/meta/vocabularies", { auth: false })
      .then((body) => { lists = body || {}; return lists; })
      .catch(() => { loading = null; return lists; });
  }
  return loading;
}

/* The label of a code, for rendering after vocabularies() has resolved. */
export function label(name, code) {
  const item = (lists[name] || []).find((x) => x.value === code);
  return item ? item.label : code;
}

/* Appends one <option> per code of the list after the select's own first options (全部 …). */
export async function addOptions(select, name) {
  const all = await vocabularies();
  select.append(...(all[name] || []).map((x) => el("option", { value: x.value }, x.label)));
}
