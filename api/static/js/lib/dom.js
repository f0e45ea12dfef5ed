/* DOM building with text only, never innerHTML: data can never become markup or script. */

export const $ = (id) => document.getElementById(id);

/* el("a", {href: "/x", class: "c", text: "t", on: {click: f}}, child, "text");
   a tag "svg:rect" is made in the SVG namespace. */
export function el(tag, attrs, ...children) {
  const svg = tag.startsWith("svg:");
  const node = svg ? document.createElementNS("http://www.w3.org/2000/svg", tag.slice(4))
                   : document.createElement(tag);
  for (const [name, value] of Object.entries(attrs || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (name === "text") node.textContent = value;
    else if (name === "on") for (const [ev, fn] of Object.entries(value)) node.addEventListener(ev, fn);
    else if (name === "dataset") Object.assign(node.dataset, value);
    else if (name === "class") node.setAttribute("class", value);
    else if (name === "href" && !svg) {
      const safe = safeUrl(value);
      if (safe) node.setAttribute("href", safe);
    } else node.setAttribute(name, value === true ? "" : String(value));
  }
  append(node, children);
  return node;
}

export function append(node, children) {
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

export function clear(node) {
  while (node.firstChild) node.removeChild(node.firstChild);
  return node;
}

/* Only http(s) and same-origin paths become links: a "javascript:" URL in data never does. */
export function safeUrl(url) {
  if (typeof url !== "string" || !url.trim()) return null;
  if (url.startsWith("#") || (url.startsWith("/") && !url.startsWith("//"))) return url;
  try {
    const parsed = new URL(url, location.origin);
    return parsed.protocol === "https:" || parsed.protocol === "http:" ? parsed.href : null;
  } catch (_) {
    return null;
  }
}
