// The devices list's remote wipe in headless Chromium against a live demo platform: the commander wipes
// an officer's phone from the page (after a confirm), the row then says the wipe is ordered and offers no
// second wipe; the phone's next pull carries the order; once the phone reports, the row says what was
// sent and what was lost. An officer's own API call to wipe is refused.
//
//   node wipe.test.mjs [path/to/fieldcheck-platform]   (default: ../../target/debug/fieldcheck-platform)

import { chromium } from "playwright-core";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { startPlatform, signIn, PASSWORD, CHROMIUM_ARGS, checks, withDialog } from "./platform.mjs";

const here = dirname(fileURLToPath(import.meta.url));
const bin = process.argv[2] || join(here, "../../target/debug/fieldcheck-platform");
const { check, expect, counts } = checks();

let platform, browser;
try {
  platform = await startPlatform(bin);
  browser = await chromium.launch({ executablePath: process.env.CHROMIUM || "/usr/bin/chromium", args: CHROMIUM_ARGS });
  const officer = await signIn(platform.base, "officer1");
  const page = await browser.newPage({ viewport: { width: 1440, height: 900 }, locale: "zh-CN" });
  const errors = [];
  page.on("pageerror", (e) => errors.push(e.message));
  await page.goto(platform.base);
  await page.fill("input[name=login]", "commander");
  await page.fill("input[name=password]", PASSWORD);
  await page.click("#login button[type=submit]");
  await page.locator("#board").waitFor({ timeout: 10000 });
  await page.click("[data-tab=users]");
  const row = page.locator("#devices tr").filter({ hasText: officer.device });

  await check("an officer may not order a wipe through the API", async () => {
    const r = await fetch(`${platform.base}/v1/devices/${officer.device}/wipe`, { method: "POST",
      headers: { Authorization: `Bearer ${officer.token}`, "Content-Type": "application/json" }, body: "{}" });
    expect(r.status === 403, `HTTP ${r.status}`);
  });

  await check("declining the confirm orders nothing", async () => {
    expect(await withDialog(page, (d) => d.dismiss(), () => row.locator("[data-action=wipe]").click()), "no confirm");
    const pull = await officer.get("/v1/sync/pull?protocol=1&limit=1");
    expect(!pull.wipe, JSON.stringify(pull).slice(0, 200));
  });

  await check("the commander wipes the phone from the devices list; the row shows the order", async () => {
    let asked = "";
    await withDialog(page, (d) => { asked = d.message(); return d.accept(); }, () => row.locator("[data-action=wipe]").click());
    await row.locator("[data-field=wipe]").filter({ hasText: "已下令擦除" }).waitFor({ timeout: 10000 });
    expect(asked.includes("远程擦除") && asked.includes("Wipe"), `the confirm said: ${asked}`);
    expect(await row.locator("[data-action=wipe]").count() === 0, "a second wipe is still offered");
    expect(!(await page.textContent("#error")), `error shown: ${await page.textContent("#error")}`);
    const pull = await officer.get("/v1/sync/pull?protocol=1&limit=1");
    expect(pull.wipe === true && pull.changes.length === 0, JSON.stringify(pull));
  });

  await check("once the phone reports, the row says what was sent and what was lost", async () => {
    await officer.post("/v1/sync/wiped", { sent: { changes: 2, photos: 5 }, lost: { changes: 0, photos: 1 } });
    await page.reload();
    await page.locator("#board").waitFor({ timeout: 10000 });
    await page.click("[data-tab=users]");
    await row.locator("[data-field=wipe]").filter({ hasText: "已擦除" }).waitFor({ timeout: 10000 });
    const text = await row.locator("[data-field=wipe]").textContent();
    expect(text.includes("5 个照片文件") && text.includes("lost 0 and 1"), text);
    expect((await row.textContent()).includes("已吊销"), "the wiped phone is revoked");
  });

  await check("no script errors on the page", async () => expect(errors.length === 0, errors.join("\n")));
} catch (e) {
  counts.failed++;
  console.log(`FAIL setup: ${e.stack || e}`);
} finally {
  await browser?.close();
  await platform?.stop();
}
console.log(`${counts.passed} passed, ${counts.failed} failed`);
process.exit(counts.failed ? 1 : 0);
