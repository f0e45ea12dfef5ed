/* The API key lives in the tab's sessionStorage (never a cookie), with the name and role
   /v1/whoami gave for it. */

const KEY_ITEM = "hotline.apiKey";
const WHO_ITEM = "hotline.who";
const MESSAGE_ITEM = "hotline.signinMessage";
const ROLES = ["agent", "editor", "admin"];  // each role may do what the ones before it may

export const keys = {
  get: () => sessionStorage.getItem(KEY_ITEM),
  who: () => {
    try { return JSON.parse(sessionStorage.getItem(WHO_ITEM) || "null"); } catch (_) { return null; }
  },
  set(secret, who) {
    sessionStorage.setItem(KEY_ITEM, secret);
    sessionStorage.setItem(WHO_ITEM, JSON.stringify({ name: who.name, role: who.role }));
  },
  clear() {
    sessionStorage.removeItem(KEY_ITEM);
    sessionStorage.removeItem(WHO_ITEM);
  },
};

export function roleAllows(held, needed) {
  return ROLES.indexOf(held) >= 0 && ROLES.indexOf(held) >= ROLES.indexOf(needed);
}

/* Back to this area's sign-in page; the message survives the navigation in sessionStorage. */
export function goSignin(message) {
  if (message) sessionStorage.setItem(MESSAGE_ITEM, message);
  location.replace(`/${document.body.dataset.area}/signin`);
}

/* The message a redirect to sign-in carried, read once. */
export function takeSigninMessage() {
  const message = sessionStorage.getItem(MESSAGE_ITEM);
  sessionStorage.removeItem(MESSAGE_ITEM);
  return message;
}
