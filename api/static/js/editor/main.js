/* FAQ desk: list and filter, edit with a live citation picker and a portal preview,
   submit -> publish (by a second editor) -> retire -> restore, revisions of published FAQs,
   bulk actions, version history with a diff, the 待复核 queue (FAQs whose cited articles changed,
   with the old and new text), gaps queue, hit-testing, import/export.
   One module per feature; they share the draft through state.js. */

import { requireSignin } from "../lib/session.js";
import { vocabularies } from "../lib/vocabularies.js";
import { initForm, newFaq, openFaq } from "./form.js";
import { initGaps } from "./gaps.js";
import { initHistory } from "./history.js";
import { initHitTest } from "./hittest.js";
import { initIo } from "./io.js";
import { initList, loadList } from "./list.js";
import { initPicker } from "./picker.js";
import { initPreview } from "./preview.js";
import { initReview } from "./review.js";
import { initTabs, selectTab } from "../widgets/tabs.js";

if (requireSignin()) {
  await vocabularies();  // the list, meta line, history and diff show labels, not codes
  initTabs();
  initList();
  initForm();
  initPicker();
  initPreview();
  initHistory();
  initReview();
  initGaps();
  initHitTest();
  initIo();
  newFaq();
  const params = new URLSearchParams(location.search);
  if (params.get("faq")) openFaq(params.get("faq"));
  else if (params.has("review")) selectTab("review");  // the admin page's link to the 待复核 queue
  else loadList();
}
