/* A small LCS diff for the FAQ version history: characters for short texts, sentences for long
   ones (keeps the table under ~4M cells). Returns [{op: "=", "-", "+", text}]. */

const MAX_CELLS = 4000000;

function tokens(text, coarse) {
  if (!coarse) return Array.from(text);
  return text.match(/[^。；！？\n]*[。；！？\n]?/g).filter((t) => t.length);
}

function lcsDiff(a, b) {
  const n = a.length, m = b.length;
  const width = m + 1;
  const table = new Uint32Array((n + 1) * width);
  for (let i = n - 1; i >= 0; i--) {
    for (let j = m - 1; j >= 0; j--) {
      table[i * width + j] = a[i] === b[j] ? table[(i + 1) * width + j + 1] + 1
        : Math.max(table[(i + 1) * width + j], table[i * width + j + 1]);
    }
  }
  const out = [];
  const push = (op, text) => {
    const last = out[out.length - 1];
    if (last && last.op === op) last.text += text; else out.push({ op, text });
  };
  let i = 0, j = 0;
  while (i < n && j < m) {
    if (a[i] === b[j]) { push("=", a[i]); i++; j++; }
    else if (table[(i + 1) * width + j] >= table[i * width + j + 1]) { push("-", a[i]); i++; }
    else { push("+", b[j]); j++; }
  }
  while (i < n) push("-", a[i++]);
  while (j < m) push("+", b[j++]);
  return out;
}

export function diffText(before, after) {
  before = before || "";
  after = after || "";
  let a = tokens(before, false), b = tokens(after, false);
  if ((a.length + 1) * (b.length + 1) > MAX_CELLS) {
    a = tokens(before, true);
    b = tokens(after, true);
  }
  if ((a.length + 1) * (b.length + 1) > MAX_CELLS) {
    return [{ op: "-", text: before }, { op: "+", text: after }];
  }
  return lcsDiff(a, b);
}
