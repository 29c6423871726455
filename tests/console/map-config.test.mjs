// The map as configured, in headless Chromium: a platform started with its own township outlines
// (FIELDCHECK_MAP_OUTLINES, a GeoJSON file) and a tile source (FIELDCHECK_MAP_TILES, here a tile server on
// loopback) draws those outlines over those tiles, the page's CSP letting the tiles in and nothing else;
// and a platform whose console libraries are missing (FIELDCHECK_CONSOLE_LIBS pointing at an empty folder)
// says how to install them where the map and the charts would be, while the rest of the console works.
//
//   node map-config.test.mjs path/to/fieldcheck-platform

import { chromium } from "playwright-core";
import { createServer } from "node:http";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { startPlatform, PASSWORD } from "./platform.mjs";

const here = dirname(fileURLToPath(import.meta.url));
const bin = process.argv[2] || join(here, "../../target/debug/fieldcheck-platform");
const CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking"];
// A 1×1 light-grey PNG: every tile the server is asked for.
const TILE = Buffer.from("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAAAAAA6fptVAAAACklEQVR4nGP4DwABAQEAWk1v8QAAAABJRU5ErkJggg==", "base64");

let passed = 0, failed = 0;
async function check(name, fn) {
  try { await fn(); passed++; console.log(`ok   ${name}`); }
  catch (e) { failed++; console.log(`FAIL ${name}\n     ${String(e.message || e).split("\n").join("\n     ")}`); }
}
function expect(cond, message) { if (!cond) throw new Error(message); }

/** Two made-up districts covering the demo county, west and east of 120.05° E. */
function outlines() {
  const box = (name, code, w, e) => ({ type: "Feature", properties: { name, code },
    geometry: { type: "Polygon", coordinates: [[[w, 28.85], [e, 28.85], [e, 29.1], [w, 29.1], [w, 28.85]]] } });
  return { type: "FeatureCollection", features: [box("西片区", "west", 119.85, 120.05), box("东片区", "east", 120.05, 120.25)] };
}

async function signIn(page, base) {
  await page.goto(base);
  await page.fill("input[name=login]", "commander");
  await page.fill("input[name=password]", PASSWORD);
  await page.click("#login button[type=submit]");
  await page.locator("#alarms tr[data-id]").first().waitFor({ timeout: 30000 });
}

let browser, tiles, dir;
const stops = [];
try {
  dir = await mkdtemp(join(tmpdir(), "fieldcheck-map-"));
  const kept = join(here, "../../build/console");
  await mkdir(kept, { recursive: true });
  await writeFile(join(dir, "towns.geojson"), JSON.stringify(outlines()));
  let asked = 0;
  tiles = createServer((req, res) => {
    asked += /^\/\d+\/\d+\/\d+\.png$/.test(req.url) ? 1 : 0;
    res.writeHead(200, { "Content-Type": "image/png" }).end(TILE);
  });
  await new Promise((r) => tiles.listen(0, "127.0.0.1", r));
  const tileOrigin = `http://127.0.0.1:${tiles.address().port}`;
  browser = await chromium.launch({ executablePath: process.env.CHROMIUM || "/usr/bin/chromium", args: CHROMIUM_ARGS });

  const configured = await startPlatform(bin, undefined, {
    FIELDCHECK_MAP_OUTLINES: join(dir, "towns.geojson"),
    FIELDCHECK_MAP_TILES: `${tileOrigin}/{z}/{x}/{y}.png`,
    FIELDCHECK_MAP_TILES_ATTRIBUTION: "测试底图 test tiles",
  });
  stops.push(configured.stop);
  await check("configured outlines over configured tiles; the CSP lets in that tile server only", async () => {
    const page = await browser.newPage({ viewport: { width: 1440, height: 900 }, locale: "zh-CN" });
    const refused = [];
    page.on("console", (m) => { if (/Content Security Policy|Refused to/.test(m.text())) refused.push(m.text()); });
    const res = await page.goto(configured.base);
    const csp = res.headers()["content-security-policy"];
    expect(csp.includes(`img-src 'self' data: blob: ${tileOrigin};`) && csp.includes("script-src 'self';"), csp);
    await signIn(page, configured.base);
    await page.click("[data-tab=map]");
    await page.locator("#map path.marker[data-id]").first().waitFor({ timeout: 30000 });
    const towns = await page.locator("#map path[data-township]").evaluateAll((ps) => ps.map((p) => p.getAttribute("data-township")));
    expect(towns.sort().join() === "east,west", towns.join());
    await page.locator("#map img.leaflet-tile-loaded").first().waitFor({ timeout: 10000 });
    expect(asked > 0, "no tile was asked for");
    expect((await page.textContent("#map .leaflet-control-attribution")).includes("测试底图"), "no attribution");
    expect(refused.length === 0, refused.join("\n"));
    await page.screenshot({ path: join(kept, "map-configured.png") });
    await page.close();
  });

  const bare = await startPlatform(bin, undefined, { FIELDCHECK_CONSOLE_LIBS: join(dir, "no-libs") });
  stops.push(bare.stop);
  await check("without the console libraries the map and charts say how to install them; the rest works", async () => {
    const page = await browser.newPage({ viewport: { width: 1440, height: 900 }, locale: "zh-CN" });
    await signIn(page, bare.base);
    await page.click("[data-tab=map]");
    await page.locator("#map [data-lib-missing]").filter({ hasText: "npm ci --prefix platform/console" }).waitFor({ timeout: 10000 });
    await page.click("[data-tab=dashboard]");
    await page.locator("#dashboard [data-lib-missing]").first().filter({ hasText: "npm ci" }).waitFor({ timeout: 10000 });
    expect(await page.locator("#dashboard table[data-response=level]").count() === 1, "the response table needs no library");
    await page.close();
  });
} catch (e) {
  failed++;
  console.log(`FAIL setup: ${e.stack || e}`);
} finally {
  await browser?.close();
  for (const stop of stops) await stop();
  tiles?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
}
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
