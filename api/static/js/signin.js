/* Sign-in: check the pasted key with GET /v1/whoami, keep it in sessionStorage, go to the area. */

import { $ } from "./lib/dom.js";
import { keys, roleAllows, takeSigninMessage } from "./lib/keys.js";
import { label, vocabularies } from "./lib/vocabularies.js";

const area = document.body.dataset.area;
const needed = document.body.dataset.role;
const input = $("api-key");
const error = $("signin-error");
const button = $("signin-button");

function showError(message) {
  error.textContent = message;
  error.hidden = !message;
  input.setAttribute("aria-invalid", message ? "true" : "false");
}

async function signin(event) {
  event.preventDefault();
  const secret = input.value.trim();
  if (!secret) {
    showError("请粘贴 API 密钥。");
    input.focus();
    return;
  }
  button.disabled = true;
  try {
    const response = await fetch("/v1/whoami", {
      headers: { "X-API-Key": secret, Accept: "application/json" }, credentials: "omit", cache: "no-store",
    });
    const body = await response.json().catch(() => null);
    if (!response.ok) {
      showError(response.status === 401 ? "密钥无效或已停用，请核对后重试。"
                                         : ((body && body.error && body.error.message) || "登录失败，请稍后再试。"));
      return;
    }
    if (!roleAllows(body.role, needed)) {
      await vocabularies();
      showError(`该密钥的角色为「${label("roles", body.role)}」，进入此页面需要「${label("roles", needed)}」及以上权限。`);
      return;
    }
    keys.set(secret, body);
    input.value = "";
    location.replace(`/${area}`);
  } catch (_) {
    showError("无法连接服务，请检查网络后重试。");
  } finally {
    button.disabled = false;
  }
}

const carried = takeSigninMessage();
if (carried) showError(carried);
vocabularies();  // ready before a key of the wrong role needs its name
$("signin-form").addEventListener("submit", signin);
input.focus();
