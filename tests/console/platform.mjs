// A real `fieldcheck-platform serve --demo` on a free loopback port with a fresh data folder, and a
// small client of its JSON API (the test checks through the API what the console showed).

import { spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { randomUUID } from "node:crypto";

export const PASSWORD = "fieldcheck-demo";

/** Chromium's flags for the console tests: headless, nothing fetched from the internet. */
export const CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
  "--disable-background-networking", "--disable-component-update", "--disable-sync"];

/** Named checks that report each result and keep going; `counts` says how many passed and failed. */
export function checks() {
  const counts = { passed: 0, failed: 0 };
  async function check(name, fn) {
    try { await fn(); counts.passed++; console.log(`ok   ${name}`); }
    catch (e) { counts.failed++; console.log(`FAIL ${name}\n     ${String(e.message || e).split("\n").join("\n     ")}`); }
  }
  function expect(cond, message) { if (!cond) throw new Error(message); }
  return { check, expect, counts };
}

/** Starts the platform (in `keep`, a data folder the caller owns and removes, or a fresh one; `env` adds
 * to its environment); resolves once it printed the address it listens on. */
export async function startPlatform(bin, keep, env = {}) {
  const data = keep || await mkdtemp(join(tmpdir(), "fieldcheck-console-"));
  const child = spawn(bin, ["serve", "--demo", "--data", data, "--listen", "127.0.0.1:0"], {
    stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, ...env },
  });
  let stderr = "";
  child.stderr.on("data", (d) => (stderr += d));
  const started = new Promise((resolve, reject) => {
    let out = "";
    const timer = setTimeout(() => reject(new Error(`platform did not start: ${stderr}`)), 60000);
    child.stdout.on("data", (d) => {
      out += d;
      const m = out.match(/listening on (http:\/\/[\d.:]+)/);
      if (m) { clearTimeout(timer); resolve(m[1]); }
    });
    child.on("exit", (code) => { clearTimeout(timer); reject(new Error(`platform exited ${code}: ${stderr}`)); });
    child.on("error", (e) => { clearTimeout(timer); reject(new Error(`cannot start ${bin}: ${e.message}`)); });
  });
  let base;
  try {
    base = await started;
  } catch (e) {
    child.kill("SIGTERM");
    if (!keep) await rm(data, { recursive: true, force: true });
    throw e;
  }
  child.stdout.resume();
  const stop = async () => {
    if (child.exitCode === null) {
      const exited = new Promise((r) => child.once("exit", r));
      child.kill("SIGTERM");
      await exited;
    }
    if (!keep) await rm(data, { recursive: true, force: true });
  };
  return { base, stop };
}

/** Signs in through the API as a device of its own; returns a caller with `get`, `post`, `push`. */
export async function signIn(base, login, device = randomUUID()) {
  const r = await fetch(`${base}/v1/login`, {
    method: "POST", headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ login, password: PASSWORD, device }),
  });
  if (!r.ok) throw new Error(`login ${login}: HTTP ${r.status}`);
  const { token, user } = await r.json();
  const call = async (method, path, body) => {
    const res = await fetch(`${base}${path}`, {
      method, headers: { Authorization: `Bearer ${token}`, "Content-Type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (!res.ok) throw new Error(`${method} ${path}: HTTP ${res.status} ${await res.text()}`);
    return res.status === 204 ? null : res.json();
  };
  let seq = 0;
  return {
    user, device, token,
    get: (path) => call("GET", path),
    post: (path, body) => call("POST", path, body),
    /** Pushes intents as this device, its clock `skewMs` ahead of the server's. */
    push: (intents, skewMs = 0) => call("POST", "/v1/sync/push", {
      protocol: 1, device, sent_at: new Date(Date.now() + skewMs).toISOString(),
      mutations: intents.map((intent) => ({ id: randomUUID(), seq: ++seq, made_at: new Date().toISOString(), intent })),
    }),
  };
}

/** Runs `act` with the dialogs it opens answered by `answer`, and says whether one was opened. The answer is taken
 * back afterwards, so an act that opens none (a row redrawn under the click) fails its own check instead of
 * leaving a handler that answers a later check's dialog twice.
 * @param {import("playwright-core").Page} page @param {(d: import("playwright-core").Dialog) => Promise<void>} answer
 * @param {() => Promise<unknown>} act */
export async function withDialog(page, answer, act) {
  let opened = false;
  const handler = (/** @type {import("playwright-core").Dialog} */ d) => { opened = true; return answer(d); };
  page.on("dialog", handler);
  try { await act(); } finally { page.off("dialog", handler); }
  return opened;
}
