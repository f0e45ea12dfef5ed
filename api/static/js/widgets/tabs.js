/* A page's panels as ARIA tabs (arrow keys move between them). A panel that shows data loads it
   afresh whenever it is shown, so it never shows a record as it was before an action. */

import { $ } from "../lib/dom.js";

const tabs = Array.from(document.querySelectorAll('[role="tab"]'));
const loaders = new Map();

export function onShow(name, load) {
  loaders.set(name, load);
}

export function selectTab(name, focus) {
  for (const tab of tabs) {
    const on = tab.id === `tab-${name}`;
    tab.setAttribute("aria-selected", on ? "true" : "false");
    tab.tabIndex = on ? 0 : -1;
    $(tab.getAttribute("aria-controls")).hidden = !on;
    if (on && focus) tab.focus();
  }
  const load = loaders.get(name);
  if (load) load();
}

export function initTabs() {
  tabs.forEach((tab, i) => {
    tab.addEventListener("click", () => selectTab(tab.id.slice(4)));
    tab.addEventListener("keydown", (event) => {
      const delta = event.key === "ArrowRight" ? 1 : event.key === "ArrowLeft" ? -1 : 0;
      if (!delta) return;
      event.preventDefault();
      selectTab(tabs[(i + delta + tabs.length) % tabs.length].id.slice(4), true);
    });
  });
}
