/* Admin (/admin): index versions with what each changed and its gate figures, corpus statistics,
   FAQs 待复核 and analytics; crawl runs; uploads; API keys; the audit log. One tab each. */

import { requireSignin } from "./lib/session.js";
import { $ } from "./lib/dom.js";
import { initTabs, onShow } from "./widgets/tabs.js";
import { initAudit, loadAudit } from "./admin/audit.js";
import { loadIndexes, onActivated } from "./admin/indexes.js";
import { initKeys, loadKeys } from "./admin/keys.js";
import { loadAnalytics, loadCorpus, loadReview, loadTop } from "./admin/overview.js";
import { initRuns, loadRuns, showRuns } from "./admin/runs.js";
import { initUploads } from "./admin/uploads.js";

function loadOverview() {
  loadIndexes();
  loadCorpus();
  loadReview();
  loadAnalytics();
  loadTop();
}

if (requireSignin()) {
  initTabs();
  initRuns();
  initUploads();
  initKeys();
  initAudit();
  $("reload-indexes").addEventListener("click", loadIndexes);
  onShow("overview", loadOverview);
  onShow("runs", showRuns);
  onShow("keys", loadKeys);
  onShow("audit", loadAudit);
  // A switch changes the live corpus, may flag FAQs, and ends a gated run's wait.
  onActivated(() => {
    loadIndexes();
    loadCorpus();
    loadReview();
    loadRuns();
  });
  loadOverview();
}
