// Users and devices: the county's users (paged by the server) with a form to create one, and the signed-in
// devices with their revocation and remote wipe (`/v1/lists/users`, `/v1/lists/devices`, `POST /v1/users`,
// `POST /v1/devices/{id}/revoke`, `POST /v1/devices/{id}/wipe`).

import { $, el, when, empty, both } from "./dom.js";
import { limit, list } from "./api.js";

/** @typedef {{ id: string, login: string, name: string, role: string, squadron_name?: string | null,
 *   certificate_no?: string }} UserRow */
/** @typedef {{ id: string, user_name: string, user_login: string, last_seen: string | null,
 *   clock_skew_ms: number | null, expires_at: string, revoked_at: string | null, actions: string[],
 *   wipe_label?: { zh: string, en: string } }} DeviceRow */
/** @typedef {{ act: (path: string, body: unknown) => Promise<void>,
 *   squadrons: () => { id: string, name: string }[], townships: () => { id: string, name: string }[] }} Deps */

const ROLES = { officer: "执法人员 officer", township: "乡镇 township", enterprise: "企业 enterprise", commander: "指挥中心 commander" };

/** @param {Deps} deps */
export function usersView(deps) {
  const form = /** @type {HTMLFormElement} */ ($("user-form"));
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const f = new FormData(form);
    const role = String(f.get("role"));
    const area = String(f.get("area") || "");
    /** @type {Record<string, unknown>} */
    const scope = role === "officer" ? { kind: "squadron", squadron: area }
      : role === "township" ? { kind: "townships", townships: [area] } : { kind: "county" };
    const login = String(f.get("login")).trim();
    const user = { id: crypto.randomUUID(), login, name: String(f.get("name")).trim(), role, scope,
      ...(f.get("certificate") ? { certificate_no: String(f.get("certificate")) } : {}) };
    await deps.act("/v1/users", { login, password: String(f.get("password")), user });
  });
  const role = /** @type {HTMLSelectElement} */ (form.elements.namedItem("role"));
  const area = /** @type {HTMLSelectElement} */ (form.elements.namedItem("area"));
  const areas = () => {
    const options = role.value === "officer" ? deps.squadrons() : role.value === "township" ? deps.townships() : [];
    area.replaceChildren(...options.map((o) => el("option", { value: o.id }, o.name)));
    area.hidden = !options.length;
  };
  role.addEventListener("change", areas);

  async function load() {
    if (!area.options.length) areas();
    const users = $("users"), devices = $("devices");
    try {
      const page = await list("users", { limit: await limit("list_page_rows") });
      if (page.rows.length) users.replaceChildren(...page.rows.map(userRow)); else empty(users);
      $("n-users").textContent = String(page.total);
    } catch (e) { empty(users, e instanceof Error ? e.message : String(e)); }
    try {
      const page = await list("devices", { limit: await limit("list_page_rows") });
      if (page.rows.length) devices.replaceChildren(...page.rows.map((d) => deviceRow(d, deps))); else empty(devices);
      $("n-devices").textContent = String(page.total);
      $("n-devices").className = "";
    } catch (e) {
      empty(devices, e instanceof Error ? e.message : String(e));
      $("n-devices").textContent = "!";
      $("n-devices").className = "alert";
    }
  }
  return { load };
}

/** @param {UserRow} u */
function userRow(u) {
  return el("tr", { "data-id": u.id },
    el("td", {}, u.name, el("span", { class: "sub" }, u.login)),
    el("td", {}, ROLES[/** @type {keyof typeof ROLES} */ (u.role)] ?? u.role),
    el("td", {}, u.squadron_name ?? "—"),
    el("td", {}, u.certificate_no ?? "—"));
}

/** @param {DeviceRow} d @param {Deps} deps */
function deviceRow(d, deps) {
  // The server measures received − sent: a device clock running ahead shows as a negative skew.
  const skew = d.clock_skew_ms == null ? "—" : `${(d.clock_skew_ms / 1000).toFixed(1)} s`;
  const revoke = d.actions.includes("revoke") ? el("button", { class: "light", "data-action": "revoke", on: { click: () => {
    if (confirm(`注销此设备？${d.user_name}\nSign this device out?`)) deps.act(`/v1/devices/${d.id}/revoke`, {});
  } } }, "注销", el("span", { class: "en" }, "revoke")) : null;
  // A lost phone: it sends what it can on its next contact, erases itself and reports what was lost.
  const wipe = d.actions.includes("wipe") ? el("button", { class: "light", "data-action": "wipe", on: { click: () => {
    if (confirm(`远程擦除此设备上的全部数据？${d.user_name}\n设备下次联网时先上传未发送的记录，然后清除本机数据。\n` +
      "Wipe this phone? On its next contact it sends what it can, then erases everything.")) {
      deps.act(`/v1/devices/${d.id}/wipe`, {});
    }
  } } }, "远程擦除", el("span", { class: "en" }, "Wipe")) : null;
  return el("tr", { "data-id": d.id },
    el("td", {}, d.user_name, el("span", { class: "sub" }, d.user_login)),
    el("td", {}, el("code", {}, d.id), d.revoked_at ? el("span", { class: "sub late" }, "已吊销 revoked") : null,
      d.wipe_label ? el("span", { class: "sub late", "data-field": "wipe" }, both(d.wipe_label)) : null),
    el("td", {}, when(d.last_seen)),
    el("td", { class: "num" }, skew),
    el("td", {}, when(d.expires_at)),
    el("td", {}, revoke, wipe));
}
