/* Crawl runs: start one (a source or all), watch its progress live, the history with counts and
   messages (a gated run offers its version), and the pages a run could not take in. */

import { api, errorMessage } from "../lib/api.js";
import { $, clear, el } from "../lib/dom.js";
import { formatTime } from "../lib/time.js";
import { label, vocabularies } from "../lib/vocabularies.js";
import { activationButton } from "./indexes.js";

const PAGE = 20;
const FAILURES_PAGE = 20;
const POLL_MS = 1000;
const UPLOAD = "upload";  // the source name of an upload's index update (ingest/upload.py)

let offset = 0;
let watching = null;
let failures = { run: null, offset: 0 };
let sourcesLoaded = false;

const sourceName = (source) => (source === null ? "全部来源" : source === UPLOAD ? "上传文件" : source);

/* "新增 3 · 失败 1": the counts that are not zero, in the service's order. */
function countsText(counts) {
  const parts = Object.entries(counts || {}).filter(([, n]) => n).map(([k, n]) => `${label("crawl_counts", k)} ${n}`);
  return parts.join(" · ") || "—";
}

function statusBadge(status) {
  return el("span", { class: `status status-${status}` }, label("crawl_run_statuses", status));
}

async function loadSources() {
  if (sourcesLoaded) return;
  const select = $("crawl-source");
  try {
    const sources = await api("GET", "/v1/ingest/sources");
    select.append(...sources.map((s) => el("option", { value: s.name },
      `${s.title}（${s.name}）${s.enabled ? "" : "，已停用"}`)));
    sourcesLoaded = true;
  } catch (err) {
    $("run-status").textContent = errorMessage(err);
  }
}

async function startCrawl(event) {
  event.preventDefault();
  const body = {};
  if ($("crawl-source").value) body.source = $("crawl-source").value;
  const pages = $("crawl-max-pages").value.trim();
  if (pages) {
    if (!/^\d+$/.test(pages) || Number(pages) < 1 || Number(pages) > 100000) {
      $("run-status").textContent = "每个来源最多页数应为 1 到 100000 之间的整数。";
      $("crawl-max-pages").focus();
      return;
    }
    body.max_pages = Number(pages);
  }
  const button = $("crawl-start");
  button.disabled = true;
  try {
    const started = await api("POST", "/v1/ingest/runs", { body });
    $("run-status").textContent = `抓取任务 #${started.id} 已启动。`;
    watch(started.id);
    loadRuns();
  } catch (err) {
    $("run-status").textContent = errorMessage(err);
  } finally {
    button.disabled = false;
  }
}

/* Polls the run until it is no longer running; the history reloads when it ends. */
function watch(runId) {
  if (watching === runId) return;
  watching = runId;
  poll(runId);
}

async function poll(runId) {
  if (watching !== runId) return;
  let run;
  try {
    run = await api("GET", `/v1/ingest/runs/${runId}`);
  } catch (err) {
    $("run-status").textContent = errorMessage(err);
    watching = null;
    return;
  }
  showLive(run);
  if (run.status === "running") {
    setTimeout(() => poll(runId), POLL_MS);
    return;
  }
  watching = null;
  $("run-status").textContent = `抓取任务 #${run.id} 已结束：${label("crawl_run_statuses", run.status)}。`;
  loadRuns();
}

function stageText(run) {
  const p = run.progress || {};
  if (run.status !== "running") return label("crawl_run_statuses", run.status);
  if (p.stage === "crawl") return `抓取中：已处理 ${p.done ?? 0} / ${p.total ?? 0} 个页面`;
  if (p.stage === "index") return "构建索引中…";
  if (p.stage === "gate") return "回归检验中…";
  return "即将完成…";
}

function showLive(run) {
  $("run-live").hidden = false;
  $("run-live-title").textContent = `任务 #${run.id}（${sourceName(run.source)}）：${stageText(run)}`;
  const bar = $("run-progress");
  const p = run.progress || {};
  if (run.status !== "running") {
    bar.max = 1;
    bar.value = 1;
  } else if (p.stage === "crawl" && p.total) {
    bar.max = p.total;
    bar.value = p.done || 0;
  } else {
    bar.removeAttribute("value");  // indeterminate while the index is built and checked
  }
  clear($("run-live-counts")).append(...Object.entries(run.counts || {}).filter(([, n]) => n).map(([k, n]) =>
    el("div", {}, el("dt", {}, label("crawl_counts", k)), el("dd", {}, String(n)))));
}

export async function loadRuns() {
  const body = clear(document.querySelector("#runs-table tbody"));
  let runs;
  let versions;
  try {
    [runs, versions] = await Promise.all([
      api("GET", `/v1/ingest/runs?limit=${PAGE}&offset=${offset}`), api("GET", "/v1/indexes"), vocabularies()]);
  } catch (err) {
    body.append(el("tr", {}, el("td", { colspan: 8 }, errorMessage(err))));
    return;
  }
  const inactive = new Set(versions.filter((v) => !v.active).map((v) => v.version));
  if (!runs.length) body.append(el("tr", {}, el("td", { colspan: 8 }, offset ? "没有更早的任务。" : "还没有抓取任务。")));
  for (const run of runs) {
    const actions = [];
    if (run.status === "gated" && inactive.has(run.index_version)) {
      actions.push(activationButton(run.index_version, "启用此版本", "确认启用？"));
    }
    if (run.source !== UPLOAD && (run.counts.failed || run.counts.not_indexed)) {
      actions.push(el("button", { type: "button", class: "btn btn-small", on: { click: () => showFailures(run.id) } },
                      "未收录页面"));
    }
    body.append(el("tr", { "data-run": run.id },
      el("td", {}, `#${run.id}`),
      el("td", {}, sourceName(run.source)),
      el("td", {}, formatTime(run.started_at)),
      el("td", {}, formatTime(run.finished_at) || "—"),
      el("td", {}, statusBadge(run.status)),
      el("td", {}, countsText(run.counts)),
      el("td", { class: "run-message" }, run.message || "",
         run.index_version ? [el("br"), "索引版本 ", el("code", {}, run.index_version)] : null),
      el("td", {}, el("div", { class: "cell-actions" }, ...actions))));
  }
  $("runs-page").textContent = `第 ${Math.floor(offset / PAGE) + 1} 页`;
  $("runs-prev").disabled = offset === 0;
  $("runs-next").disabled = runs.length < PAGE;
  // A run started elsewhere (the CLI, cron) is watched too.
  const running = offset === 0 && runs.find((r) => r.status === "running");
  if (running) watch(running.id);
}

async function showFailures(runId, keepOffset) {
  failures = { run: runId, offset: keepOffset ? failures.offset : 0 };
  const box = $("failures");
  box.hidden = false;
  $("failures-title").textContent = `任务 #${runId} 未能收录的页面`;
  const body = clear(document.querySelector("#failures-table tbody"));
  let page;
  try {
    page = await api("GET", `/v1/ingest/runs/${runId}/pages?limit=${FAILURES_PAGE}&offset=${failures.offset}`);
  } catch (err) {
    $("failures-count").textContent = errorMessage(err);
    return;
  }
  $("failures-count").textContent = page.total ? `共 ${page.total} 个页面。` : "没有未收录的页面。";
  for (const p of page.pages) {
    body.append(el("tr", {},
      el("td", { class: "url-cell" }, el("a", { href: p.url, rel: "noopener noreferrer", target: "_blank" }, p.url)),
      el("td", {}, label("page_kinds", p.kind)),
      el("td", {}, label("crawl_page_statuses", p.status)),
      el("td", {}, p.error || "—"),
      el("td", {}, formatTime(p.fetched_at) || "—")));
  }
  const pages = Math.max(1, Math.ceil(page.total / FAILURES_PAGE));
  $("failures-page").textContent = `第 ${Math.floor(failures.offset / FAILURES_PAGE) + 1} / ${pages} 页`;
  $("failures-prev").disabled = failures.offset === 0;
  $("failures-next").disabled = failures.offset + FAILURES_PAGE >= page.total;
  if (!keepOffset) box.scrollIntoView({ block: "nearest" });
}

export function showRuns() {
  loadSources();
  loadRuns();
}

export function initRuns() {
  $("crawl-form").addEventListener("submit", startCrawl);
  $("reload-runs").addEventListener("click", loadRuns);
  $("runs-prev").addEventListener("click", () => { offset = Math.max(0, offset - PAGE); loadRuns(); });
  $("runs-next").addEventListener("click", () => { offset += PAGE; loadRuns(); });
  $("failures-prev").addEventListener("click", () => {
    failures.offset = Math.max(0, failures.offset - FAILURES_PAGE);
    showFailures(failures.run, true);
  });
  $("failures-next").addEventListener("click", () => {
    failures.offset += FAILURES_PAGE;
    showFailures(failures.run, true);
  });
}
