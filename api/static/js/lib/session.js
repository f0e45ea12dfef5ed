/* Staff pages: no key, or a key whose role does not cover the area, sends the user to sign-in. */

import { $ } from "./dom.js";
import { goSignin, keys, roleAllows } from "./keys.js";
import { showAllowedAreas } from "./nav.js";
import { label, vocabularies } from "./vocabularies.js";

/* -> {name, role} of the signed-in key, or null when the page is being left for sign-in.
   The staff nav then shows only the areas that role may enter. */
export function requireSignin() {
  const needed = document.body.dataset.role;
  const who = keys.who();
  if (!keys.get() || !who) {
    goSignin();
    return null;
  }
  if (!roleAllows(who.role, needed)) {
    vocabularies().then(() => goSignin(
      `当前密钥（${label("roles", who.role)}）无权进入此页面，需要${label("roles", needed)}及以上权限。`));
    return null;
  }
  showAllowedAreas(who.role);
  const box = $("who");
  if (box) {
    $("signout").addEventListener("click", () => {
      keys.clear();
      goSignin();
    });
    vocabularies().then(() => {
      $("who-name").textContent = `${who.name}（${label("roles", who.role)}）`;
      box.hidden = false;
    });
  }
  return who;
}
