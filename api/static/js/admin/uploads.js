/* Upload a document (PDF/DOCX/HTML/Markdown with its metadata), follow the index update, then
   show the document as indexed with its passages. */

import { api, errorMessage, passagePath } from "../lib/api.js";
import { $, clear, el } from "../lib/dom.js";
import { label, addOptions, vocabularies } from "../lib/vocabularies.js";
import { activationButton } from "./indexes.js";

const POLL_MS = 1000;
const FIELDS = [  // form field -> input id; empty values are left to the service's defaults
  ["title", "up-title"], ["doc_type", "up-doc-type"], ["status", "up-status"], ["region", "up-region"],
  ["issuer", "up-issuer"], ["doc_number", "up-doc-number"], ["publish_date", "up-publish-date"],
  ["effective_date", "up-effective-date"], ["url", "up-url"],
];

const documentPath = (id) => "/v1/documents/" + String(id).split("/").map(encodeURIComponent).join("/");
const say = (text) => { $("upload-status").textContent = text; };

async function submit(event) {
  event.preventDefault();
  const file = $("up-file").files[0];
  if (!file) {
    say("请选择要上传的文件。");
    $("up-file").focus();
    return;
  }
  if (!$("up-title").value.trim()) {
    say("请填写标题。");
    $("up-title").focus();
    return;
  }
  const form = new FormData();
  form.append("file", file);
  for (const [name, id] of FIELDS) {
    const value = $(id).value.trim();
    if (value) form.append(name, value);
  }
  const button = $("upload-submit");
  button.disabled = true;
  $("upload-result").hidden = true;
  say(`正在上传并解析《${$("up-title").value.trim()}》…`);
  try {
    const started = await api("POST", "/v1/ingest/uploads", { raw: form });
    say(`文件已解析并收录为 ${started.doc_id}，正在更新索引（任务 #${started.run_id}）…`);
    await follow(started);
  } catch (err) {
    say(errorMessage(err));
  } finally {
    button.disabled = false;
  }
}

async function follow(started) {
  let job;
  for (;;) {
    job = await api("GET", started.poll);
    if (job.status !== "running") break;
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
  const result = clear($("upload-doc"));
  $("upload-result").hidden = false;
  if (job.status === "succeeded") {
    say(`索引已更新（版本 ${job.index_version}），新嵌入 ${job.counts.embedded ?? 0} 段。`);
    await showDocument(started.doc_id, result);
  } else if (job.status === "gated") {
    say("新索引未通过回归检验，尚未启用。");
    result.append(el("p", {}, job.message),
                  el("p", {}, activationButton(job.index_version, "启用此版本", "确认启用？")));
  } else {
    say(`${label("crawl_run_statuses", job.status)}：${job.message}`);
    result.append(el("p", { class: "error" }, job.message));
  }
}

async function showDocument(docId, box) {
  let doc;
  try {
    doc = await api("GET", documentPath(docId));
  } catch (err) {
    box.append(el("p", { class: "error" }, errorMessage(err)));
    return;
  }
  const rows = [["编号", el("code", {}, doc.id)], ["类型", doc.doc_type], ["效力", doc.status],
                ["发布机关", doc.issuer || "—"], ["地区", doc.region || "—"], ["施行日期", doc.effective_date || "—"],
                ["原文", /^https?:\/\//.test(doc.url)
                  ? el("a", { href: doc.url, rel: "noopener noreferrer", target: "_blank" }, doc.url) : "—"]];
  box.append(
    el("h3", { id: "upload-doc-title" }, `《${doc.title}》`),
    el("dl", { class: "doc-meta" }, ...rows.flatMap(([k, v]) => [el("dt", {}, k), el("dd", {}, v)])),
    el("p", { class: "muted" }, `共 ${doc.passages.length} 段，展开可看原文：`),
    el("ul", { class: "doc-passages" }, ...doc.passages.map(passageItem)));
}

/* The text is fetched the first time the passage is opened. */
function passageItem(p) {
  const text = el("div", { class: "article-text" });
  const details = el("details", { class: "passage", "data-id": p.id },
    el("summary", {}, p.chapter ? `${p.label}（${p.chapter}）` : p.label), text);
  details.addEventListener("toggle", async () => {
    if (!details.open || text.dataset.loaded) return;
    text.dataset.loaded = "1";
    try {
      const passage = await api("GET", passagePath(p.id));
      text.append(...passage.text.split("\n").filter((line) => line.trim()).map((line) => el("p", {}, line)));
    } catch (err) {
      text.dataset.loaded = "";
      text.append(el("p", { class: "error" }, errorMessage(err)));
    }
  });
  return el("li", {}, details);
}

export async function initUploads() {
  $("upload-form").addEventListener("submit", submit);
  await vocabularies();
  await Promise.all([addOptions($("up-doc-type"), "doc_types"), addOptions($("up-status"), "statuses")]);
  $("up-doc-type").value = "规范性文件";
  $("up-status").value = "有效";
}
