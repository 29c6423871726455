// The map and chart libraries (Leaflet, ECharts), loaded on demand from the platform (`/console/lib/*`,
// served from npm's folder: no internet at run time). When they are not installed the page says how to
// install them instead of a map or charts; everything else keeps working.

import { el } from "./dom.js";

/** @type {Promise<typeof import("leaflet")> | undefined} */
let leaflet;
/** @type {Promise<typeof import("echarts")> | undefined} */
let echarts;

/** Why a library did not load: the platform's own message when it has one. @param {string} file */
async function missing(file) {
  const r = await fetch(`/console/lib/${file}`).catch(() => null);
  const body = r ? await r.json().catch(() => null) : null;
  return new Error(body?.message || `${file} could not be loaded`);
}

/** @param {string} file @returns {Promise<any>} */
async function load(file) {
  try {
    return await import(`/console/lib/${file}`);
  } catch {
    throw await missing(file);
  }
}

/** Leaflet, with its stylesheet. @returns {Promise<typeof import("leaflet")>} */
export function loadLeaflet() {
  if (!document.querySelector("link[data-lib=leaflet]"))
    document.head.append(el("link", { rel: "stylesheet", href: "/console/lib/leaflet.css", "data-lib": "leaflet" }));
  leaflet ??= load("leaflet.js").catch((e) => { leaflet = undefined; throw e; });
  return leaflet;
}

/** ECharts. @returns {Promise<typeof import("echarts")>} */
export function loadEcharts() {
  echarts ??= load("echarts.js").catch((e) => { echarts = undefined; throw e; });
  return echarts;
}

/** The box shown in place of a map or chart whose library is missing. @param {unknown} e */
export function libraryMissing(e) {
  return el("p", { class: "error lib-missing", "data-lib-missing": "" }, e instanceof Error ? e.message : String(e));
}
