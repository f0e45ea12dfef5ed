/* The report download. The route needs the X-API-Key header, which a plain link cannot send,
   so the file is fetched as a blob and saved through an object URL (a download, which the
   page's Content-Security-Policy does not restrict). */

import { api, errorMessage } from "../lib/api.js";
import { $, el } from "../lib/dom.js";
import { toast } from "../widgets/toast.js";
import { isWholeMonth } from "./format.js";

const NAMES = { docx: "报告", xlsx: "数据表" };

export async function downloadReport(format, start, end, button) {
  const kind = isWholeMonth(start, end) ? "month" : "range";
  const params = new URLSearchParams({ start, end, kind, format });
  button.disabled = true;
  $("stats-status").textContent = `正在生成${NAMES[format]}…`;
  try {
    const blob = await api("GET", `/v1/orders/report?${params}`, { blob: true });
    const url = URL.createObjectURL(blob);
    const a = el("a", { download: `工单${kind === "month" ? "月报" : "专报"}-${start}-${end}.${format}`, class: "offscreen" });
    a.href = url;  // a blob: URL, which el() would refuse as a link
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10000);
    $("stats-status").textContent = `${NAMES[format]}已下载`;
  } catch (err) {
    $("stats-status").textContent = errorMessage(err);
    toast(errorMessage(err), "warn");
  } finally {
    button.disabled = false;
  }
}
