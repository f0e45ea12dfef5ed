/* 接诉即办 work orders: the queue, one order's handling, and statistics with the report.
   One module per feature; the API enforces every role and rule, the page shows its messages. */

import { requireSignin } from "../lib/session.js";
import { vocabularies } from "../lib/vocabularies.js";
import { initDetail, openOrder } from "./detail.js";
import { initQueue } from "./queue.js";
import { initStats } from "./stats.js";
import { initTabs, selectTab } from "../widgets/tabs.js";

if (requireSignin()) {
  await vocabularies();  // statuses, types and actions are shown by their labels
  initTabs();
  initQueue(openOrder);
  initDetail();
  initStats();
  selectTab("queue");
}
