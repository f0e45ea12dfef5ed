/* The rating bar under an answer (portal and agent console): buttons with data-rating, tied to
   the answer's log_id. An answer that was not logged (log_id null: the database was
   unreachable) cannot be rated, so its buttons stay disabled. */

import { api, errorMessage } from "../lib/api.js";
import { toast } from "./toast.js";

/* options: auth (false on the portal, where no key exists; with a key the service records the
   rating as the agent channel's), thanks (the sentence said after a rating), status (a live
   element to say it in; without one it goes to the toast), settle (the agent console: an
   async function that logs the question on the first rating and resolves to its log id, or
   null when it could not be logged). -> {reset(logId, pending)} for a new answer; `pending`
   means not logged yet, to be settled when rated. */
export function feedbackBar(group, { auth = true, thanks, status = null, settle = null }) {
  const buttons = Array.from(group.querySelectorAll("button[data-rating]"));
  let logId = null;
  let pending = false;

  function enable(on) {
    for (const b of buttons) b.disabled = !on;
  }

  async function rate(button) {
    if (logId === null && !pending) return;
    enable(false);  // one rating per answer, and no double submit while it is sent
    if (logId === null) {
      logId = await settle();
      pending = false;
      if (logId === null) {
        toast("问答记录暂不可用，无法记录评价", "warn");
        return;
      }
    }
    try {
      await api("POST", "/v1/feedback", { body: { log_id: logId, rating: button.dataset.rating }, auth });
      button.setAttribute("aria-pressed", "true");
      if (status) status.textContent = thanks;
      else toast(thanks, "ok");
    } catch (err) {
      enable(true);
      toast(errorMessage(err), "warn");
    }
  }

  for (const b of buttons) b.addEventListener("click", () => rate(b));

  return {
    reset(id, notYetLogged = false) {
      logId = id;
      pending = id === null && notYetLogged && settle !== null;
      enable(id !== null || pending);
      for (const b of buttons) b.setAttribute("aria-pressed", "false");
      if (status) status.textContent = "";
    },
  };
}
