/* FAQ desk: list and filter, edit with a live citation picker and a portal preview,
   submit -> publish -> retire, version history with a diff, gaps queue, import/export.
   One module per feature; they share the draft through state.js. */

import { requireSignin } from "../lib/session.js";
import { vocabularies } from "../lib/vocabularies.js";
import { initForm, newFaq, openFaq } from "./form.js";
import { initGaps } from "./gaps.js";
import { initHistory } from "./history.js";
import { initIo } from "./io.js";
import { initList, loadList } from "./list.js";
import { initPicker } from "./picker.js";
import { initPreview } from "./preview.js";
import { initTabs } from "../widgets/tabs.js";

if (requireSignin()) {
  await vocabularies();  // the list, meta line, history and diff show labels, not codes
  initTabs();
  initList();
  initForm();
  initPicker();
  initPreview();
  initHistory();
  initGaps();
  initIo();
  newFaq();
  const faq = new URLSearchParams(location.search).get("faq");
  if (faq) openFaq(faq);
  else loadList();
}
