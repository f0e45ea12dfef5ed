/* The page's one toast (#toast in base.html, a polite status region): short confirmations. */

import { $ } from "../lib/dom.js";

let timer = null;

/* kind: "ok" or "warn" */
export function toast(message, kind) {
  const box = $("toast");
  if (!box) return;
  box.textContent = message;
  box.className = "toast show" + (kind ? " " + kind : "");
  clearTimeout(timer);
  timer = setTimeout(() => { box.className = "toast"; }, 3500);
}
