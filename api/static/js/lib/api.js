/* The JSON API client: the key as the X-API-Key header, no cookies, and every failure as an
   ApiFailure carrying the service's {"error": {"code", "message"}} in Chinese. */

import { goSignin, keys } from "./keys.js";

class ApiFailure extends Error {
  constructor(status, code, message, body) {
    super(message);
    this.status = status;
    this.code = code;
    this.body = body;
  }
}

/* options: body (sent as JSON) or raw + contentType, signal, auth: false for the public
   endpoints, blob: true for a file download. credentials: "omit" because nothing but the
   header may authenticate a request (see docs/pages.md on CSRF). */
export async function api(method, path, options = {}) {
  const headers = { Accept: "application/json" };
  const init = { method, headers, credentials: "omit", cache: "no-store", signal: options.signal };
  if (options.raw !== undefined) {
    init.body = options.raw;
    if (options.contentType) headers["Content-Type"] = options.contentType;
  } else if (options.body !== undefined) {
    init.body = JSON.stringify(options.body);
    headers["Content-Type"] = "application/json";
  }
  const secret = options.auth === false ? null : keys.get();
  if (secret) headers["X-API-Key"] = secret;
  let response;
  try {
    response = await fetch(path, init);
  } catch (err) {
    if (err && err.name === "AbortError") throw err;
    throw new ApiFailure(0, "network", "无法连接服务，请检查网络后重试。", null);
  }
  if (options.blob && response.ok) return response.blob();
  let body = null;
  const type = response.headers.get("content-type") || "";
  if (type.includes("json")) {
    try { body = await response.json(); } catch (_) { body = null; }
  }
  if (!response.ok) {
    const error = (body && body.error) || {};
    const failure = new ApiFailure(response.status, error.code || "error",
                                   error.message || `请求失败（${response.status}）`, body);
    if (response.status === 401 && secret && document.body.dataset.area) {
      keys.clear();  // the key was revoked or is wrong: back to sign-in
      goSignin("密钥已失效，请重新登录。");
    }
    throw failure;
  }
  return body;
}

export function errorMessage(err) {
  if (err instanceof ApiFailure) return err.message;
  return "出现错误，请稍后再试。";
}

export function passagePath(id) {
  return "/v1/passages/" + String(id).split("/").map(encodeURIComponent).join("/");
}

/* What a superseded request resolves to: its caller should show nothing. */
export const STALE = Symbol("stale");

/* Newest request wins, for anything refreshed while the user types: starting a request aborts
   the one in flight, and a response that still arrives after a newer request began (the abort
   came too late) resolves to STALE instead of overwriting the newer one. */
export function newestWins() {
  let seq = 0;
  let controller = null;

  function cancel() {
    seq += 1;
    if (controller) controller.abort();
    controller = null;
  }

  /* request(signal) -> promise of the response body */
  async function run(request) {
    cancel();
    const mine = seq;
    controller = new AbortController();
    try {
      const body = await request(controller.signal);
      return mine === seq ? body : STALE;
    } catch (err) {
      if (mine !== seq || (err && err.name === "AbortError")) return STALE;
      throw err;
    }
  }

  return { run, cancel };
}

/* A section's load: "正在加载…" in its status line, the failure there, and the body to `render`
   unless a newer load of the same `requests` superseded it. */
export async function loadInto(status, requests, request, render) {
  status.textContent = "正在加载…";
  let body;
  try {
    body = await requests.run(request);
  } catch (err) {
    status.textContent = errorMessage(err);
    return;
  }
  if (body !== STALE) render(body);
}
