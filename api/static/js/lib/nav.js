/* The staff nav shows only the areas the signed-in key's role may enter (the service checks
   the role on every call anyway; this spares a click that would end at sign-in). */

import { roleAllows } from "./keys.js";

export function showAllowedAreas(role) {
  for (const link of document.querySelectorAll(".staff-nav a[data-needs]")) {
    link.hidden = !roleAllows(role, link.dataset.needs);
  }
}
