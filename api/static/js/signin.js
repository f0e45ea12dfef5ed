/* Sign-in: check the pasted key with GET /v1/whoami, keep it in sessionStorage, go to the area. */
"use strict";

(function () {
  const H = window.Hotline;
  const area = document.body.dataset.area;
  const needed = document.body.dataset.role;
  const form = document.getElementById("signin-form");
  const input = document.getElementById("api-key");
  const error = document.getElementById("signin-error");
  const button = document.getElementById("signin-button");

  function showError(message) {
    error.textContent = message;
    error.hidden = !message;
    input.setAttribute("aria-invalid", message ? "true" : "false");
  }

  const carried = sessionStorage.getItem("hotline.signinMessage");
  if (carried) {
    sessionStorage.removeItem("hotline.signinMessage");
    showError(carried);
  }
  input.focus();

  form.addEventListener("submit", async (event) => {
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
      if (!H.roleAllows(body.role, needed)) {
        showError(`该密钥的角色为「${H.ROLE_NAMES[body.role] || body.role}」，进入此页面需要「${H.ROLE_NAMES[needed]}」及以上权限。`);
        return;
      }
      H.keys.set(secret, body);
      input.value = "";
      location.replace(`/${area}`);
    } catch (_) {
      showError("无法连接服务，请检查网络后重试。");
    } finally {
      button.disabled = false;
    }
  });
})();
