/* FAQ desk: list and filter, edit with a live citation picker and a portal preview,
   submit -> publish -> retire, version history with a diff, gaps queue, import/export. */
"use strict";

(function () {
  const H = window.Hotline;
  if (!H.requireSignin()) return;
  const el = H.el;
  const $ = (id) => document.getElementById(id);

  const STATUS = { draft: "草稿", in_review: "待审核", published: "已发布", retired: "已下线" };
  const ACTIONS = { create: "创建", update: "修改", submit: "提交审核", publish: "审核发布", retire: "下线" };
  const AUDIENCE = { public: "公众", agent: "坐席" };
  const FIELDS = [["question", "问题"], ["alternatives", "其他问法"], ["answer", "答复"], ["citations", "引用依据"],
                  ["topic", "主题"], ["audience", "受众"], ["valid_until", "有效期至"], ["status", "状态"]];

  /* ---------- tabs ---------- */
  const tabs = Array.from(document.querySelectorAll('[role="tab"]'));
  function selectTab(name, focus) {
    for (const tab of tabs) {
      const on = tab.id === `tab-${name}`;
      tab.setAttribute("aria-selected", on ? "true" : "false");
      tab.tabIndex = on ? 0 : -1;
      $(tab.getAttribute("aria-controls")).hidden = !on;
      if (on && focus) tab.focus();
    }
    if (name === "gaps") loadGaps();
    if (name === "list") loadList();
  }
  tabs.forEach((tab, i) => {
    tab.addEventListener("click", () => selectTab(tab.id.slice(4)));
    tab.addEventListener("keydown", (event) => {
      const delta = event.key === "ArrowRight" ? 1 : event.key === "ArrowLeft" ? -1 : 0;
      if (!delta) return;
      event.preventDefault();
      selectTab(tabs[(i + delta + tabs.length) % tabs.length].id.slice(4), true);
    });
  });

  /* ---------- list ---------- */
  const topics = new Set();
  let listSeq = 0;

  async function loadList() {
    const params = new URLSearchParams({ limit: "500" });
    const q = $("f-q").value.trim();
    if (q) params.set("q", q);
    for (const [id, name] of [["f-status", "status"], ["f-audience", "audience"], ["f-stale", "stale"]]) {
      if ($(id).value) params.set(name, $(id).value);
    }
    const topic = $("f-topic").value.trim();
    if (topic) params.set("topic", topic);
    const mine = ++listSeq;
    try {
      const rows = await H.api("GET", `/v1/faqs?${params}`);
      if (mine !== listSeq) return;
      renderList(rows);
    } catch (err) {
      $("list-count").textContent = H.errorMessage(err);
    }
  }

  function renderList(rows) {
    const body = H.clear(document.querySelector("#faq-table tbody"));
    for (const f of rows) {
      if (f.topic) topics.add(f.topic);
      body.append(el("tr", { "data-id": f.id },
        el("td", {}, `#${f.id}`),
        el("td", {}, el("button", { type: "button", class: "link", on: { click: () => openFaq(f.id) } }, f.question)),
        el("td", {}, f.topic || "—"),
        el("td", {}, AUDIENCE[f.audience] || f.audience),
        el("td", {}, el("span", { class: `status status-${f.status}` }, STATUS[f.status] || f.status),
           f.stale ? el("span", { class: "status status-stale" }, "已过期") : null),
        el("td", {}, `v${f.version}`),
        el("td", {}, H.formatTime(f.updated_at))));
    }
    $("list-count").textContent = rows.length ? `共 ${rows.length} 条` : "没有符合条件的 FAQ。";
    const list = H.clear($("topics"));
    for (const t of [...topics].sort()) list.append(el("option", { value: t }));
  }

  const reloadList = H.debounce(loadList, 250);
  $("f-q").addEventListener("input", reloadList);
  $("f-topic").addEventListener("input", reloadList);
  for (const id of ["f-status", "f-audience", "f-stale"]) $(id).addEventListener("change", loadList);
  $("filters").addEventListener("submit", (event) => { event.preventDefault(); loadList(); });
  $("new-faq").addEventListener("click", () => { newFaq(); selectTab("edit"); $("e-question").focus(); });

  /* ---------- edit form ---------- */
  let faq = null;            // the FAQ being edited (as the API returned it), null for a new one
  let citations = [];        // passage ids, in order
  const passages = new Map(); // passage id -> {citation, text, url}
  const inputs = { question: $("e-question"), alternatives: $("e-alternatives"), answer: $("e-answer"),
                   topic: $("e-topic"), audience: $("e-audience"), valid_until: $("e-valid") };

  function formData() {
    return {
      question: inputs.question.value.trim(),
      alternatives: inputs.alternatives.value.split("\n").map((s) => s.trim()).filter(Boolean),
      answer: inputs.answer.value.trim(),
      citations: [...citations],
      topic: inputs.topic.value.trim(),
      audience: inputs.audience.value,
      valid_until: inputs.valid_until.value || null,
    };
  }

  function isDirty() {
    if (!faq) return true;
    const now = formData();
    return Object.keys(now).some((k) => JSON.stringify(now[k]) !== JSON.stringify(faq[k] ?? (k === "topic" ? "" : null)));
  }

  function fill(data) {
    inputs.question.value = data.question || "";
    inputs.alternatives.value = (data.alternatives || []).join("\n");
    inputs.answer.value = data.answer || "";
    inputs.topic.value = data.topic || "";
    inputs.audience.value = data.audience || "public";
    inputs.valid_until.value = data.valid_until || "";
    citations = [...(data.citations || [])];
  }

  function newFaq(prefill) {
    faq = null;
    fill(prefill || {});
    showError("");
    renderMeta();
    renderCitations();
    renderPreview();
    H.clear($("history"));
    H.clear($("diff"));
    $("diff-controls").hidden = true;
  }

  async function openFaq(id) {
    try {
      const data = await H.api("GET", `/v1/faqs/${id}`);
      faq = data;
      fill(data);
      showError("");
      renderMeta();
      selectTab("edit");
      inputs.question.focus();
      await ensurePassages(citations);
      renderCitations();
      renderPreview();
      loadHistory();
    } catch (err) {
      H.toast(H.errorMessage(err), "warn");
    }
  }

  function renderMeta() {
    const meta = H.clear($("faq-meta"));
    $("form-title").textContent = faq ? `编辑 FAQ #${faq.id}` : "新建 FAQ";
    if (faq) {
      H.append(meta, [
        el("span", { class: `status status-${faq.status}` }, STATUS[faq.status]), " ",
        `第 ${faq.version} 版 · 作者 ${faq.author}（${H.formatTime(faq.created_at)}）`,
        faq.reviewer ? ` · 审核发布 ${faq.reviewer}（${H.formatTime(faq.published_at)}）` : "",
        faq.retired_at ? ` · 下线于 ${H.formatTime(faq.retired_at)}` : "",
        faq.stale ? el("span", { class: "status status-stale" }, "已过有效期") : null]);
    } else {
      meta.append("保存后为草稿，提交审核并发布后生效。");
    }
    const status = faq ? faq.status : null;
    const retired = status === "retired";
    for (const input of Object.values(inputs)) input.disabled = retired;
    $("picker-q").disabled = retired;
    $("save").disabled = retired;
    $("submit-review").disabled = status !== "draft";
    $("publish").disabled = status !== "in_review";
    $("retire").disabled = !faq || retired;
  }

  function showError(message) {
    $("form-error").textContent = message;
    $("form-error").hidden = !message;
  }

  async function ensurePassages(ids) {
    const missing = ids.filter((id) => !passages.has(id));
    await Promise.all(missing.map(async (id) => {
      try {
        const p = await H.api("GET", H.passagePath(id));
        passages.set(id, { citation: p.citation, text: p.text, url: p.url });
      } catch (_) {
        passages.set(id, { citation: `${id}（条文已不在当前索引中）`, text: "", url: "" });
      }
    }));
  }

  function renderCitations() {
    const list = H.clear($("e-citations"));
    const retired = faq && faq.status === "retired";
    citations.forEach((id, i) => {
      const info = passages.get(id) || { citation: id };
      list.append(el("li", { class: "chosen" },
        el("span", {}, `[${i + 1}] `, info.citation), " ", el("code", {}, id), " ",
        retired ? null : el("button", { type: "button", class: "btn btn-quiet", "aria-label": `移除引用 ${info.citation}`,
                                      on: { click: () => { citations.splice(i, 1); renderCitations(); renderPreview(); } } }, "移除")));
    });
    $("no-citations").hidden = citations.length > 0;
    renderPickerButtons();
  }

  function renderPreview() {
    const box = $("preview");
    const data = formData();
    if (!data.answer) {
      H.clear(box).append(el("p", { class: "placeholder" }, "填写答复后在此预览。"));
      return;
    }
    const answer = { kind: "faq", text: data.answer, citations: data.citations.map((id, i) => {
      const info = passages.get(id) || {};
      return { n: i + 1, passage_id: id, citation: info.citation || id, text: info.text || "", url: info.url || "" };
    }) };
    H.renderAnswer(box, answer, { prefix: "preview-cite" });
    box.prepend(el("p", { class: "preview-question" }, "问：", data.question || "（问题）"));
  }
  for (const input of Object.values(inputs)) input.addEventListener("input", renderPreview);

  async function save() {
    showError("");
    const data = formData();
    if (!data.question || !data.answer) {
      showError("问题和答复都不能为空。");
      (data.question ? inputs.answer : inputs.question).focus();
      return null;
    }
    try {
      if (!faq) {
        faq = await H.api("POST", "/v1/faqs", { body: data });
        H.toast(`已保存为草稿 #${faq.id}`, "ok");
      } else if (isDirty()) {
        const wasPublished = faq.status === "published";
        faq = await H.api("PATCH", `/v1/faqs/${faq.id}`, { body: data });
        H.toast(wasPublished ? "已保存；已发布的 FAQ 修改后需重新审核" : "已保存", "ok");
      }
      renderMeta();
      loadHistory();
      return faq;
    } catch (err) {
      showError(H.errorMessage(err));
      return null;
    }
  }

  async function transition(action, done) {
    if (isDirty() && !(await save())) return;
    try {
      faq = await H.api("POST", `/v1/faqs/${faq.id}/${action}`);
      renderMeta();
      renderCitations();
      loadHistory();
      H.toast(done, "ok");
    } catch (err) {
      showError(H.errorMessage(err));
    }
  }

  $("faq-form").addEventListener("submit", (event) => { event.preventDefault(); save(); });
  $("submit-review").addEventListener("click", () => transition("submit", "已提交审核"));
  $("publish").addEventListener("click", () => transition("publish", "已发布，门户和坐席端立即生效"));
  $("retire").addEventListener("click", () => transition("retire", "已下线"));

  /* ---------- citation picker ---------- */
  let pickerSeq = 0;
  let pickerController = null;
  let pickerHits = [];

  async function searchPassages() {
    const q = $("picker-q").value.trim();
    const mine = ++pickerSeq;
    if (pickerController) pickerController.abort();
    if (!q) { pickerHits = []; renderPicker(); return; }
    pickerController = new AbortController();
    try {
      const body = await H.api("POST", "/v1/search", { body: { query: q, top_k: 8 }, signal: pickerController.signal });
      if (mine !== pickerSeq) return;
      pickerHits = body.results;
      for (const h of pickerHits) passages.set(h.passage_id, { citation: h.citation, text: h.text, url: h.url });
      renderPicker();
    } catch (err) {
      if ((err && err.name === "AbortError") || mine !== pickerSeq) return;
      H.clear($("picker-results")).append(el("li", { class: "muted" }, H.errorMessage(err)));
    }
  }

  function renderPicker() {
    const list = H.clear($("picker-results"));
    for (const h of pickerHits) {
      list.append(el("li", { class: "pick", "data-id": h.passage_id },
        el("div", {}, el("strong", {}, h.citation), " ", el("code", {}, h.passage_id)),
        el("p", { class: "snippet" }, h.text.length > 90 ? h.text.slice(0, 90) + "…" : h.text),
        el("button", { type: "button", class: "btn btn-small", "data-insert": h.passage_id,
                       "aria-label": `插入 ${h.citation}`,
                       on: { click: () => insertCitation(h.passage_id) } }, "插入")));
    }
    renderPickerButtons();
  }

  function renderPickerButtons() {
    for (const b of document.querySelectorAll("[data-insert]")) {
      const inside = citations.includes(b.dataset.insert);
      b.disabled = inside;
      b.textContent = inside ? "已插入" : "插入";
    }
  }

  function insertCitation(id) {
    if (!citations.includes(id)) citations.push(id);
    renderCitations();
    renderPreview();
  }
  $("picker-q").addEventListener("input", H.debounce(searchPassages, 250));
  $("picker-q").addEventListener("keydown", (event) => { if (event.key === "Enter") { event.preventDefault(); searchPassages(); } });

  /* ---------- history and diff ---------- */
  let versions = [];

  async function loadHistory() {
    if (!faq) return;
    try {
      versions = await H.api("GET", `/v1/faqs/${faq.id}/history`);
    } catch (err) {
      return;
    }
    const list = H.clear($("history"));
    for (const v of versions) {
      list.append(el("li", {}, el("strong", {}, `v${v.version}`), ` ${ACTIONS[v.action] || v.action} · ${v.actor} · ${H.formatTime(v.at)}`));
    }
    const from = H.clear($("diff-from"));
    const to = H.clear($("diff-to"));
    for (const v of versions) {
      from.append(el("option", { value: v.version }, `v${v.version}（${ACTIONS[v.action] || v.action}）`));
      to.append(el("option", { value: v.version }, `v${v.version}（${ACTIONS[v.action] || v.action}）`));
    }
    $("diff-controls").hidden = versions.length < 2;
    if (versions.length >= 2) {
      from.value = String(versions[versions.length - 2].version);
      to.value = String(versions[versions.length - 1].version);
    }
    renderDiff();
  }

  function show(field, value) {
    if (value === null || value === undefined || value === "") return "（空）";
    if (field === "status") return STATUS[value] || value;
    if (field === "audience") return AUDIENCE[value] || value;
    return String(value);
  }

  function renderDiff() {
    const box = H.clear($("diff"));
    if (versions.length < 2) return;
    const a = versions.find((v) => String(v.version) === $("diff-from").value);
    const b = versions.find((v) => String(v.version) === $("diff-to").value);
    if (!a || !b) return;
    let changed = 0;
    const table = el("dl", { class: "diff-table" });
    for (const [field, label] of FIELDS) {
      const before = a.snapshot[field], after = b.snapshot[field];
      if (JSON.stringify(before) === JSON.stringify(after)) continue;
      changed += 1;
      let value;
      if (Array.isArray(before) || Array.isArray(after)) {
        const old = before || [], now = after || [];
        value = el("ul", { class: "diff-list" },
          old.filter((x) => !now.includes(x)).map((x) => el("li", {}, el("del", {}, x))),
          now.filter((x) => !old.includes(x)).map((x) => el("li", {}, el("ins", {}, x))));
      } else if (["question", "answer", "topic"].includes(field)) {
        value = el("p", { class: "diff-text" }, window.HotlineDiff.diffText(before || "", after || "").map((part) =>
          part.op === "=" ? part.text : el(part.op === "+" ? "ins" : "del", {}, part.text)));
      } else {
        value = el("p", {}, el("del", {}, show(field, before)), " → ", el("ins", {}, show(field, after)));
      }
      table.append(el("dt", {}, label), el("dd", {}, value));
    }
    box.append(el("p", { class: "muted" }, `v${a.version} → v${b.version}：`, changed ? `${changed} 处字段变化` : "内容相同"), table);
  }
  $("diff-from").addEventListener("change", renderDiff);
  $("diff-to").addEventListener("change", renderDiff);

  /* ---------- gaps ---------- */
  let gapsSeq = 0;
  async function loadGaps() {
    const mine = ++gapsSeq;
    $("gaps-summary").textContent = "正在加载…";
    try {
      const body = await H.api("GET", "/v1/analytics/gaps/grouped");
      if (mine !== gapsSeq) return;
      renderGaps(body);
    } catch (err) {
      $("gaps-summary").textContent = H.errorMessage(err);
    }
  }

  function renderGaps(body) {
    const list = H.clear($("gaps"));
    $("gaps-summary").textContent = body.groups.length
      ? `${body.total} 条提问，归为 ${body.groups.length} 组` : "暂无缺口：所有提问都已答复且无差评。";
    for (const g of body.groups) {
      const others = g.variants.filter((v) => v !== g.question);
      list.append(el("li", { class: "gap card" },
        el("p", { class: "gap-question" }, g.question),
        el("p", { class: "muted" }, `共 ${g.count} 次`,
           g.refused ? ` · 未能答复 ${g.refused}` : "", g.negative_feedback ? ` · 差评 ${g.negative_feedback}` : "",
           ` · 最近 ${H.formatTime(g.latest_at)}`),
        others.length ? el("details", {}, el("summary", {}, `相近问法（${others.length}）`),
                           el("ul", {}, others.map((v) => el("li", {}, v)))) : null,
        el("button", { type: "button", class: "btn btn-primary", on: { click: () => fromGap(g) } }, "据此新建 FAQ")));
    }
  }

  async function fromGap(group) {
    newFaq({ question: group.question, alternatives: group.variants.filter((v) => v !== group.question) });
    selectTab("edit");
    inputs.answer.focus();
    try {
      const body = await H.api("POST", "/v1/search", { body: { query: group.question, top_k: 3 } });
      for (const h of body.results) passages.set(h.passage_id, { citation: h.citation, text: h.text, url: h.url });
      if (!faq) citations = body.results.map((h) => h.passage_id);
      $("picker-q").value = group.question;
      pickerHits = body.results;
      renderPicker();
      renderCitations();
      renderPreview();
      H.toast("已预填问题和建议引用，请核对引用并撰写答复", "ok");
    } catch (err) {
      H.toast(H.errorMessage(err), "warn");
    }
  }
  $("reload-gaps").addEventListener("click", loadGaps);

  /* ---------- import / export ---------- */
  async function download(format) {
    try {
      const blob = await H.api("GET", `/v1/faqs/export?format=${format}`, { blob: true });
      const url = URL.createObjectURL(blob);
      const stamp = new Date().toISOString().slice(0, 10).replace(/-/g, "");
      const a = el("a", { download: `faqs-${stamp}.${format}`, class: "offscreen" });
      a.href = url;
      document.body.append(a);
      a.click();
      a.remove();
      setTimeout(() => URL.revokeObjectURL(url), 10000);
    } catch (err) {
      H.toast(H.errorMessage(err), "warn");
    }
  }
  $("export-csv").addEventListener("click", () => download("csv"));
  $("export-xlsx").addEventListener("click", () => download("xlsx"));

  $("import-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const file = $("import-file").files[0];
    const box = H.clear($("import-result"));
    if (!file) { box.append(el("p", { class: "error", role: "alert" }, "请先选择文件。")); return; }
    const format = /\.xlsx$/i.test(file.name) ? "xlsx" : "csv";
    $("import-button").disabled = true;
    try {
      const body = await H.api("POST", `/v1/faqs/import?format=${format}`,
                               { raw: await file.arrayBuffer(), contentType: format === "xlsx" ? file.type || "application/octet-stream" : "text/csv" });
      box.append(el("p", { class: "ok" }, `已导入 ${body.created} 条草稿（编号 ${body.ids.map((i) => "#" + i).join("、")}）。`));
      loadList();
    } catch (err) {
      box.append(el("p", { class: "error", role: "alert" }, H.errorMessage(err)));
      const rows = err.body && err.body.error && err.body.error.rows;
      if (rows && rows.length) {
        box.append(el("div", { class: "table-wrap" }, el("table", { class: "table" },
          el("caption", {}, "逐行问题（修正后重新导入）"),
          el("thead", {}, el("tr", {}, el("th", { scope: "col" }, "行"), el("th", { scope: "col" }, "列"), el("th", { scope: "col" }, "问题"))),
          el("tbody", {}, rows.map((r) => el("tr", {}, el("td", {}, r.row ? `第 ${r.row} 行` : "文件"),
                                            el("td", {}, r.column || "—"), el("td", {}, r.message)))))));
      }
    } finally {
      $("import-button").disabled = false;
    }
  });

  /* ---------- start ---------- */
  newFaq();
  const params = new URLSearchParams(location.search);
  if (params.get("faq")) openFaq(params.get("faq"));
  else loadList();
})();
