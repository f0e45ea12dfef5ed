/* The portal preview: the draft through the portal's own answer renderer, as a citizen whose
   question matched this FAQ would see it. */

import { $, clear, el } from "../lib/dom.js";
import { renderAnswer } from "../widgets/answer.js";
import { formData, inputs } from "./form.js";
import { on, passages } from "./state.js";

function renderPreview() {
  const box = $("preview");
  const data = formData();
  if (!data.answer) {
    clear(box).append(el("p", { class: "placeholder" }, "填写答复后在此预览。"));
    return;
  }
  const citations = data.citations.map((id, i) => {
    const info = passages.get(id) || {};
    return { n: i + 1, passage_id: id, citation: info.citation || id, text: info.text || "", url: info.url || "" };
  });
  renderAnswer(box, { kind: "faq", text: data.answer, citations }, { prefix: "preview-cite" });
  box.prepend(el("p", { class: "preview-question" }, "问：", data.question || "（问题）"));
}

export function initPreview() {
  on("citations", renderPreview);
  for (const input of Object.values(inputs)) input.addEventListener("input", renderPreview);
}
