/* Inline SVG charts (no library): vertical bars over days, lines of rates, horizontal bars of
   counts. Each chart is role="img" with a text summary, and a data table follows it. */

import { clear, el } from "../lib/dom.js";

const COLORS = ["#0b5cad", "#b45309", "#15803d", "#7c3aed"];

function svg(width, height, label) {
  return el("svg:svg", { viewBox: `0 0 ${width} ${height}`, role: "img", "aria-label": label,
                         preserveAspectRatio: "xMidYMid meet", class: "chart-svg" },
            el("svg:title", {}, label));
}

function niceMax(value) {
  if (value <= 0) return 1;
  const power = Math.pow(10, Math.floor(Math.log10(value)));
  for (const step of [1, 2, 2.5, 5, 10]) if (step * power >= value) return step * power;
  return 10 * power;
}

function axis(chart, x0, y0, x1, y1, max, format) {
  for (let i = 0; i <= 4; i++) {
    const y = y1 - ((y1 - y0) * i) / 4;
    chart.append(el("svg:line", { x1: x0, x2: x1, y1: y, y2: y, class: "grid" }),
                 el("svg:text", { x: x0 - 6, y: y + 4, "text-anchor": "end", class: "tick" }, format((max * i) / 4)));
  }
}

/* About `count` evenly spaced labels, always the last day, never two crowded together. */
function showLabel(i, n, count) {
  const step = Math.ceil(n / count);
  return i === n - 1 || (i % step === 0 && n - 1 - i >= step / 2);
}

function dayLabel(day) {
  return day.slice(5).replace("-", "/");
}

function dataTable(caption, headers, rows) {
  return el("details", { class: "chart-data" }, el("summary", {}, "查看数据表"),
    el("table", { class: "table" }, el("caption", { class: "visually-hidden" }, caption),
      el("thead", {}, el("tr", {}, headers.map((h) => el("th", { scope: "col" }, h)))),
      el("tbody", {}, rows.map((r) => el("tr", {}, r.map((c) => el("td", {}, c)))))));
}

/* days: [{day, value}] */
export function barsByDay(box, title, days, unit) {
  const W = 1000, H = 240, L = 44, R = 10, T = 12, B = 34;
  const max = niceMax(Math.max(0, ...days.map((d) => d.value)));
  const total = days.reduce((s, d) => s + d.value, 0);
  const chart = svg(W, H, `${title}：最近 ${days.length} 天共 ${total}${unit}`);
  axis(chart, L, T, W - R, H - B, max, (v) => String(Math.round(v)));
  const slot = (W - L - R) / Math.max(days.length, 1);
  days.forEach((d, i) => {
    const h = ((H - B - T) * d.value) / max;
    const x = L + i * slot + slot * 0.15;
    chart.append(el("svg:rect", { x: x.toFixed(1), y: (H - B - h).toFixed(1), width: (slot * 0.7).toFixed(1),
                                  height: h.toFixed(1), class: "bar" },
                    el("svg:title", {}, `${d.day}：${d.value}${unit}`)));
    if (showLabel(i, days.length, 10)) {
      chart.append(el("svg:text", { x: (x + slot * 0.35).toFixed(1), y: H - B + 16, "text-anchor": "middle", class: "tick" },
                      dayLabel(d.day)));
    }
  });
  clear(box).append(chart,
    dataTable(title, ["日期", title], days.map((d) => [d.day, `${d.value}`])));
}

/* series: [{name, values: [0..1 or null]}] over days */
export function ratesByDay(box, title, days, series) {
  const W = 520, H = 240, L = 44, R = 10, T = 12, B = 34;
  const chart = svg(W, H, `${title}：${series.map((s) => s.name).join("、")}`);
  axis(chart, L, T, W - R, H - B, 1, (v) => `${Math.round(v * 100)}%`);
  const slot = (W - L - R) / Math.max(days.length, 1);
  const xAt = (i) => L + i * slot + slot / 2;
  const yAt = (v) => H - B - (H - B - T) * v;
  series.forEach((s, k) => {
    let path = "";
    s.values.forEach((v, i) => {
      if (v === null) return;
      path += `${path && s.values[i - 1] !== null ? "L" : "M"}${xAt(i).toFixed(1)},${yAt(v).toFixed(1)} `;
      chart.append(el("svg:circle", { cx: xAt(i).toFixed(1), cy: yAt(v).toFixed(1), r: 3, fill: COLORS[k] },
                      el("svg:title", {}, `${days[i].day} ${s.name}：${Math.round(v * 100)}%`)));
    });
    if (path) chart.append(el("svg:path", { d: path.trim(), fill: "none", stroke: COLORS[k], "stroke-width": 2 }));
  });
  days.forEach((d, i) => {
    if (showLabel(i, days.length, 6)) {
      chart.append(el("svg:text", { x: xAt(i).toFixed(1), y: H - B + 16, "text-anchor": "middle", class: "tick" }, dayLabel(d.day)));
    }
  });
  const legend = el("ul", { class: "legend" }, series.map((s, k) =>
    el("li", {}, el("svg:svg", { width: 14, height: 14, "aria-hidden": "true" },
                    el("svg:rect", { width: 14, height: 14, rx: 3, fill: COLORS[k] })), " ", s.name)));
  const fmt = (v) => (v === null ? "—" : `${(v * 100).toFixed(1)}%`);
  clear(box).append(legend, chart,
    dataTable(title, ["日期", ...series.map((s) => s.name)], days.map((d, i) => [d.day, ...series.map((s) => fmt(s.values[i]))])));
}

/* items: [{label, value}] */
export function hbars(box, title, items) {
  const W = 520, row = 26, L = 120, R = 50;
  const H = row * items.length + 10;
  const max = Math.max(1, ...items.map((d) => d.value));
  const chart = svg(W, H, `${title}：${items.map((d) => `${d.label} ${d.value}`).join("，")}`);
  items.forEach((d, i) => {
    const w = ((W - L - R) * d.value) / max;
    const y = 5 + i * row;
    chart.append(
      el("svg:text", { x: L - 8, y: y + 16, "text-anchor": "end", class: "tick" }, d.label),
      el("svg:rect", { x: L, y: y + 3, width: Math.max(w, 1).toFixed(1), height: row - 8, class: "bar" },
         el("svg:title", {}, `${d.label}：${d.value}`)),
      el("svg:text", { x: (L + w + 6).toFixed(1), y: y + 16, class: "tick" }, String(d.value)));
  });
  clear(box).append(el("h3", {}, title), chart);
}
