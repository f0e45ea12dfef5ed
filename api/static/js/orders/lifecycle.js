/* Which steps the page offers in which status: a copy of TRANSITIONS in
   assistant/workorders/lifecycle.py (and DRAFTABLE in handling.py), so that only legal steps
   get a button. The server is the authority: should this copy drift, it refuses the step with
   409 and the page shows its message. */

const OPEN = ["pending", "in_progress"];

const ALLOWED_FROM = {
  accept: ["pending"],
  transfer: OPEN,
  return: ["pending"],
  extend: OPEN,
  urge: ["pending", "in_progress", "replied", "awaiting_visit"],
  reply: ["in_progress"],
  to_visit: ["replied"],
  visit: ["awaiting_visit"],
};

export function legalActions(status) {
  return Object.keys(ALLOWED_FROM).filter((action) => ALLOWED_FROM[action].includes(status));
}

export function canDraft(status) {
  return OPEN.includes(status);
}
