/* API keys: create (the secret is shown once), list with role, creation and last use, revoke. */

import { api, errorMessage } from "../lib/api.js";
import { copyText } from "../lib/clipboard.js";
import { $, clear, el } from "../lib/dom.js";
import { formatTime } from "../lib/time.js";
import { addOptions, label, vocabularies } from "../lib/vocabularies.js";
import { toast } from "../widgets/toast.js";
import { confirmClick } from "./confirm.js";

const say = (text) => { $("key-status").textContent = text; };

export async function loadKeys() {
  const body = clear(document.querySelector("#keys-table tbody"));
  let keys;
  try {
    [keys] = await Promise.all([api("GET", "/v1/keys"), vocabularies()]);
  } catch (err) {
    body.append(el("tr", {}, el("td", { colspan: 8 }, errorMessage(err))));
    return;
  }
  for (const k of keys) {
    let action = null;
    if (k.current) action = el("span", { class: "muted" }, "当前登录所用");
    else if (!k.revoked_at) action = revokeButton(k);
    body.append(el("tr", { "data-key": k.id },
      el("td", {}, `#${k.id}`),
      el("td", {}, k.name),
      el("td", {}, label("roles", k.role)),
      el("td", {}, el("code", {}, `${k.prefix}…`)),
      el("td", {}, formatTime(k.created_at)),
      el("td", {}, k.last_used_at ? formatTime(k.last_used_at) : "从未使用"),
      el("td", {}, k.revoked_at ? el("span", { class: "status status-revoked" }, `已停用 ${formatTime(k.revoked_at)}`)
                                : el("span", { class: "status status-published" }, "有效")),
      el("td", {}, action)));
  }
}

function revokeButton(k) {
  const button = el("button", { type: "button", class: "btn btn-small" }, "停用");
  return confirmClick(button, "确认停用？", async () => {
    try {
      await api("POST", `/v1/keys/${k.id}/revoke`);
      say(`已停用密钥 #${k.id}（${k.name}）。`);
      loadKeys();
    } catch (err) {
      say(errorMessage(err));
    }
  });
}

async function createKey(event) {
  event.preventDefault();
  const name = $("key-name").value.trim();
  if (!name) {
    say("请填写密钥的持有人或用途。");
    $("key-name").focus();
    return;
  }
  const button = $("key-create");
  button.disabled = true;
  try {
    const created = await api("POST", "/v1/keys", { body: { name, role: $("key-role").value } });
    $("key-secret-value").textContent = created.secret;
    $("key-secret").hidden = false;
    $("key-name").value = "";
    say(`已创建密钥 #${created.id}（${created.name}，${label("roles", created.role)}）。`);
    loadKeys();
  } catch (err) {
    say(errorMessage(err));
  } finally {
    button.disabled = false;
  }
}

/* The secret leaves the page once it is saved: it cannot be shown again anyway. */
function hideSecret() {
  $("key-secret-value").textContent = "";
  $("key-secret").hidden = true;
}

export async function initKeys() {
  $("key-form").addEventListener("submit", createKey);
  $("reload-keys").addEventListener("click", loadKeys);
  $("key-secret-copy").addEventListener("click", async () => {
    const ok = await copyText($("key-secret-value").textContent);
    toast(ok ? "已复制密钥" : "复制失败，请手动选中复制", ok ? "ok" : "warn");
  });
  $("key-secret-hide").addEventListener("click", hideSecret);
  await addOptions($("key-role"), "roles");
}
