/* The order's category: automatic classification (a suggestion), confirming it, or correcting
   it with three names the server checks against the taxonomy (422 names what is wrong). The
   classifier learns every confirmation and correction at once. */

import { api, errorMessage } from "../lib/api.js";
import { $ } from "../lib/dom.js";
import { toast } from "../widgets/toast.js";
import { fillDatalist, knownCategories } from "./categories.js";
import { UNCLASSIFIED, confidence } from "./format.js";

const INPUTS = ["cat-1", "cat-2", "cat-3"];
let order = null;
let done = () => {};

function describe(current) {
  if (!current.category.length) return `${UNCLASSIFIED}（可点击“自动分类”）`;
  const sure = confidence(current);
  const notes = [sure ? `置信度 ${sure}` : "", current.category_confirmed ? "已确认" : "待确认"].filter(Boolean);
  return `${current.category.join(" / ")}（${notes.join("，")}）`;
}

export function renderCategory(current) {
  if (!order || order.id !== current.id) toggleForm(false);
  order = current;
  $("category-now").textContent = describe(order);
  $("confirm-category").hidden = order.category_confirmed || order.category.length < 3;
}

function showError(message) {
  $("category-error").textContent = message;
  $("category-error").hidden = !message;
}

async function toggleForm(open) {
  $("category-form").hidden = !open;
  $("correct-category").setAttribute("aria-expanded", open ? "true" : "false");
  if (!open) return;
  showError("");
  INPUTS.forEach((id, i) => { $(id).value = order.category[i] || ""; });
  $("cat-1").focus();
  const levels = await knownCategories();
  levels.forEach((names, i) => fillDatalist($(`cat-list-${i + 1}`), names, [order.category[i]]));
}

/* -> "" when the request succeeded, else the API's message (also said in the status line). */
async function run(request, success) {
  try {
    const updated = await request();
    toast(success, "ok");
    $("detail-status").textContent = `${success}：${updated.category.join(" / ") || UNCLASSIFIED}`;
    done(updated);
    return "";
  } catch (err) {
    $("detail-status").textContent = errorMessage(err);
    return errorMessage(err);
  }
}

async function save(event) {
  event.preventDefault();
  const category = INPUTS.map((id) => $(id).value.trim());
  const problem = await run(() => api("PUT", `/v1/orders/${order.id}/category`, { body: { category } }), "分类已保存");
  if (problem) showError(problem);
  else toggleForm(false);
}

export function initCategory(onDone) {
  done = onDone;
  $("classify").addEventListener("click", () => run(() => api("POST", `/v1/orders/${order.id}/classify`), "已自动分类"));
  $("confirm-category").addEventListener("click", () => run(
    () => api("PUT", `/v1/orders/${order.id}/category`, { body: { category: order.category } }), "分类已确认"));
  $("correct-category").addEventListener("click", () => toggleForm($("category-form").hidden));
  $("category-cancel").addEventListener("click", () => toggleForm(false));
  $("category-form").addEventListener("submit", save);
}
