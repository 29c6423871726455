// The console's load time with the demo county (150 enterprises) and with a generated county of 5,000
// (the demo plus 4,850 added by `cargo run --example seed_county`, on the township outlines it generates for
// them, every enterprise inside its township): from
// navigation with a signed-in session to the board filled (alarms, the first page of enterprises with their
// total, the dashboard's ECharts charts drawn), and to the map drawn too (the map tab opened as soon as the
// page is there, every enterprise a Leaflet marker). Prints the figures; asserts only that the board and the
// map fill (no wall-time assertion).
//
//   node load-time.test.mjs path/to/fieldcheck-platform path/to/seed_county

import { chromium } from "playwright-core";
import { execFileSync } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startPlatform, signIn, PASSWORD } from "./platform.mjs";

const [bin, seed] = process.argv.slice(2);
if (!bin || !seed) throw new Error("usage: node load-time.test.mjs PLATFORM_BIN SEED_COUNTY_BIN");
const CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking"];
const RUNS = 3;

/** Signs in once, then reloads `RUNS` times; the median times to a filled board and to the map drawn, in ms. */
async function measure(browser, base, enterprises) {
  const page = await browser.newPage({ viewport: { width: 1440, height: 900 }, locale: "zh-CN" });
  await page.goto(base);
  await page.fill("input[name=login]", "commander");
  await page.fill("input[name=password]", PASSWORD);
  await page.click("#login button[type=submit]");
  await page.locator("#alarms tr[data-id]").first().waitFor({ timeout: 60000 });
  const times = [];
  for (let i = 0; i < RUNS; i++) {
    await page.reload();
    await page.waitForFunction((n) => document.querySelector("#enterprise-range")?.textContent?.endsWith(`/ ${n}`)
      && document.querySelectorAll("#enterprises tr[data-id]").length === 50
      && document.querySelector("#alarms tr[data-id]") && document.querySelector("[data-chart] canvas"),
      enterprises, { timeout: 120000, polling: 50 }).catch(async (e) => {
      const seen = await page.evaluate(() => [document.querySelector("#enterprise-range")?.textContent,
        document.querySelectorAll("#alarms tr[data-id]").length, document.querySelector("#error")?.textContent]);
      throw new Error(`${e.message}\nthe page shows: ${JSON.stringify(seen)}`);
    });
    times.push(await page.evaluate(() => performance.now()));
  }
  const mapTimes = [];
  for (let i = 0; i < RUNS; i++) {
    await page.reload();
    await page.click("[data-tab=map]");
    // Every enterprise drawn: the legend counts them once the markers are on the map.
    await page.waitForFunction((n) => document.querySelector("#map canvas") && document.querySelector("#alarms tr[data-id]")
      && [...document.querySelectorAll("#map-legend [data-state]")].reduce((sum, s) => sum + Number(s.textContent.trim().split(" ").at(-1)), 0) === n,
      enterprises, { timeout: 120000, polling: 50 });
    mapTimes.push(await page.evaluate(() => performance.now()));
  }
  await page.close();
  // The map's answer alone: its size and time to the last byte (every layer, as the page first asks).
  const api = await signIn(base, "commander");
  const answer = [];
  for (let i = 0; i < RUNS; i++) {
    const started = performance.now();
    const r = await fetch(`${base}/v1/map`, { headers: { Authorization: `Bearer ${api.token}` } });
    const bytes = (await r.arrayBuffer()).byteLength;
    answer.push([performance.now() - started, bytes]);
  }
  const median = (xs) => Math.round(xs.sort((a, b) => a - b)[Math.floor(RUNS / 2)]);
  return [median(times), median(mapTimes), median(answer.map((a) => a[0])), answer[0][1]];
}

let browser, failed = false;
const data = await mkdtemp(join(tmpdir(), "fieldcheck-county-"));
try {
  browser = await chromium.launch({ executablePath: process.env.CHROMIUM || "/usr/bin/chromium", args: CHROMIUM_ARGS });
  let platform = await startPlatform(bin, data);
  const demo = await measure(browser, platform.base, 150);
  await platform.stop();
  execFileSync(seed, [data, "4850"], { stdio: "inherit" });
  platform = await startPlatform(bin, data, { FIELDCHECK_MAP_OUTLINES: join(data, "county-outlines.geojson") });
  const big = await measure(browser, platform.base, 5000);
  await platform.stop();
  console.log(`ok   load time (median of ${RUNS}): demo county ${demo[0]} ms, with the map ${demo[1]} ms; ` +
    `5,000 enterprises ${big[0]} ms, with the map ${big[1]} ms; GET /v1/map ${demo[2]} ms (${demo[3]} bytes) and ` +
    `${big[2]} ms (${big[3]} bytes)`);
} catch (e) {
  failed = true;
  console.log(`FAIL load time: ${e.stack || e}`);
} finally {
  await browser?.close();
  await rm(data, { recursive: true, force: true });
}
process.exit(failed ? 1 : 0);
