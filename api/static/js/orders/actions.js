/* The lifecycle steps of the open order: one button per step legal in its status, each
   opening a small form for that step's fields. Required fields are left to the server, whose
   422 message is shown as it is, so the page and the API never disagree on the rules. */

import { api, errorMessage } from "../lib/api.js";
import { $, clear, el } from "../lib/dom.js";
import { addOptions, label } from "../lib/vocabularies.js";
import { toast } from "../widgets/toast.js";
import { legalActions } from "./lifecycle.js";

const YES_NO = [["", "请选择"], ["true", "是"], ["false", "否"]];
const note = (text, rows = 3) => ({ name: "note", text, kind: "textarea", rows });
const FIELDS = {
  accept: [note("说明（选填）", 2)],
  transfer: [{ name: "handler", text: "新的承办单位", kind: "text" }, note("转办原因")],
  return: [note("退单理由（派单异议）")],
  extend: [{ name: "due_at", text: "延期后的办理时限", kind: "date" }, note("延期理由")],
  urge: [note("催办要求")],
  reply: [note("答复内容", 8)],
  to_visit: [note("说明（选填）", 2)],
  visit: [{ name: "contacted", text: "是否联系上诉求人", kind: "yesno" },
          { name: "resolved", text: "诉求是否解决", kind: "yesno" },
          { name: "satisfaction", text: "满意度", kind: "satisfaction" }, note("回访情况（选填）", 2)],
};

let order = null;
let action = null;
let done = () => {};

function control(field) {
  const id = `act-${field.name}`;
  if (field.kind === "textarea") return el("textarea", { id, rows: field.rows, maxlength: 5000 });
  if (field.kind === "text") return el("input", { id, type: "text", maxlength: 200 });
  if (field.kind === "date") return el("input", { id, type: "date" });
  if (field.kind === "yesno") return el("select", { id }, YES_NO.map(([value, text]) => el("option", { value }, text)));
  const select = el("select", { id }, el("option", { value: "" }, "未记录"));
  addOptions(select, "satisfaction");
  return select;
}

function field(spec) {
  return el("div", { class: "field" }, el("label", { for: `act-${spec.name}` }, spec.text), control(spec));
}

/* A caller who was not reached can give no resolution or rating (the server refuses both). */
function linkVisitFields() {
  const contacted = $("act-contacted");
  const sync = () => {
    const reached = contacted.value !== "false";
    for (const id of ["act-resolved", "act-satisfaction"]) {
      $(id).disabled = !reached;
      if (!reached) $(id).value = "";
    }
  };
  contacted.addEventListener("change", sync);
}

/* Opens the form of `name`, optionally with the note filled in (e.g. from the draft reply). */
export function openAction(name, preset = "") {
  if (!order || !legalActions(order.status).includes(name)) return;
  action = name;
  $("action-form-title").textContent = label("order_actions", name);
  clear($("action-fields")).append(...FIELDS[name].map(field));
  if (name === "visit") linkVisitFields();
  if (preset) $("act-note").value = preset;
  showError("");
  $("action-form").hidden = false;
  $("action-fields").querySelector("input, textarea, select").focus();
}

function closeForm() {
  action = null;
  $("action-form").hidden = true;
}

function showError(message) {
  $("action-error").textContent = message;
  $("action-error").hidden = !message;
}

const flag = (value) => (value === "" ? null : value === "true");

function body() {
  const out = {};
  for (const spec of FIELDS[action]) {
    const value = $(`act-${spec.name}`).value.trim();
    if (spec.kind === "yesno") out[spec.name] = flag(value);
    else if (spec.kind === "date") out[spec.name] = value ? `${value}T23:59:59+08:00` : null;  // end of that Beijing day
    else if (spec.kind === "satisfaction") out[spec.name] = value || null;
    else out[spec.name] = value;
  }
  return out;
}

async function submit(event) {
  event.preventDefault();
  const name = action;
  const button = $("action-submit");
  button.disabled = true;
  try {
    const updated = await api("POST", `/v1/orders/${order.id}/actions/${name}`, { body: body() });
    closeForm();
    toast(`已${label("order_actions", name)}`, "ok");
    $("detail-status").textContent = `已${label("order_actions", name)}，当前状态：${updated.status_label}`;
    done(updated);
  } catch (err) {
    showError(errorMessage(err));
    $("detail-status").textContent = errorMessage(err);
    if (err.status === 409) done(order);  // someone else moved the order on: show where it is now
  } finally {
    button.disabled = false;
  }
}

export function renderActions(current) {
  if (!order || order.id !== current.id) closeForm();
  order = current;
  const legal = legalActions(order.status);
  if (action && !legal.includes(action)) closeForm();
  clear($("action-buttons")).append(...legal.map((name) => el("button", {
    type: "button", class: name === "accept" ? "btn btn-primary" : "btn", "data-action": name,
    on: { click: () => openAction(name) } }, label("order_actions", name))));
  if (!legal.length) $("action-buttons").append(el("p", { class: "hint" }, "该工单已结束，无可执行的操作。"));
}

/* onDone(order) runs after a step succeeded, with the order as the server now has it. */
export function initActions(onDone) {
  done = onDone;
  $("action-form").addEventListener("submit", submit);
  $("action-cancel").addEventListener("click", closeForm);
}
