// The platform's JSON API as the console calls it: the session's bearer token, `{error, message}` refusals
// as exceptions, and the list endpoints' pages.

/** @typedef {{ id: string, login: string, name: string, role: string, scope: Record<string, unknown> }} User */
/** @template T @typedef {{ total: number, offset: number, limit: number, rows: T[] }} Page */

export const session = {
  /** @type {string | null} */ token: sessionStorage.getItem("fc-token"),
  /** @type {User | null} */ user: JSON.parse(sessionStorage.getItem("fc-user") || "null"),
  /** Called when the platform no longer accepts the token. @type {() => void} */ expired: () => {},
};

/** GET `path`, or POST `body` as JSON to it; resolves to the answer's JSON (null when empty).
 * @param {string} path @param {unknown} [body] @returns {Promise<any>} */
export async function api(path, body) {
  /** @type {Record<string, string>} */
  const headers = { Authorization: `Bearer ${session.token}` };
  /** @type {RequestInit} */
  const init = { headers };
  if (body !== undefined) {
    Object.assign(init, { method: "POST", body: JSON.stringify(body) });
    headers["Content-Type"] = "application/json";
  }
  const r = await fetch(path, init);
  if (r.status === 401) { session.expired(); throw new Error("请重新登录 / please sign in again"); }
  const text = await r.text();
  const data = text ? JSON.parse(text) : null;
  if (!r.ok) throw new Error((data && data.message) || `HTTP ${r.status}`);
  return data;
}

/** @type {Promise<Record<string, number>> | undefined} */
let limits;

/** One of the platform's limits (`domain/src/limits.rs`) as its API document states them (`info.x-limits`);
 * the document is read once. @param {string} name @returns {Promise<number>} */
export async function limit(name) {
  limits ??= fetch("/openapi.json").then((r) => r.json()).then((doc) => doc.info["x-limits"]);
  return (await limits)[name];
}

/** One page of a server-side list (`/v1/lists/{kind}`) with its filters; empty filters are left out.
 * @param {string} kind @param {Record<string, string | number | undefined>} filters @returns {Promise<Page<any>>} */
export function list(kind, filters) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(filters)) if (v !== undefined && v !== "") q.set(k, String(v));
  return api(`/v1/lists/${kind}?${q}`);
}
