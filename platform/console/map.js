// The live map (`GET /v1/map`): township outlines and the enterprises coloured by the state the server gives
// them, drawn as SVG from GeoJSON (no map library, no tiles: nothing is fetched from the internet).

import { $, el } from "./dom.js";
import { api } from "./api.js";

/** @typedef {import("./dom.js").Text} Text */
/** @typedef {{ type: "Feature", properties: { code: string, name: string },
 *   geometry: { type: "Polygon", coordinates: number[][][] } }} Outline */
/** @typedef {{ id: string, name: string, township: string, lat: number, lon: number, state: string, state_label: Text,
 *   open_alarms: number, open_tasks: number, overdue_tasks: number, inspected_today: boolean }} Marker */
/** @typedef {{ outlines: { features: Outline[] }, enterprises: Marker[], unplaced: number }} MapData */

const SVG = "http://www.w3.org/2000/svg";
/** The states, most pressing first, with their colours (the legend's order). */
export const STATES = [
  { state: "alarm", colour: "#dc2626", zh: "报警未闭环", en: "open alarm" },
  { state: "overdue_task", colour: "#ea580c", zh: "整改逾期", en: "overdue task" },
  { state: "open_task", colour: "#ca8a04", zh: "整改中", en: "open task" },
  { state: "inspected_today", colour: "#2563eb", zh: "今日已检查", en: "inspected today" },
  { state: "clear", colour: "#16a34a", zh: "正常", en: "clear" },
];
const WIDTH = 960;

/** @param {string} tag @param {Record<string, string | number>} attrs @param {...(Node | string)} kids */
function svg(tag, attrs, ...kids) {
  const node = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, String(v));
  node.append(...kids);
  return node;
}

/** Longitude and latitude to the drawing's x, y: equirectangular, east-west shrunk by cos(latitude).
 * @param {number[][]} points [lon, lat] */
function projection(points) {
  const lons = points.map((p) => p[0]), lats = points.map((p) => p[1]);
  const [west, east, south, north] = [Math.min(...lons), Math.max(...lons), Math.min(...lats), Math.max(...lats)];
  const shrink = Math.cos(((north + south) / 2) * Math.PI / 180);
  const pad = 20;
  const scale = (WIDTH - 2 * pad) / Math.max(1e-9, (east - west) * shrink);
  const height = Math.ceil((north - south) * scale + 2 * pad);
  /** @param {number} lon @param {number} lat @returns {[number, number]} */
  const at = (lon, lat) => [pad + (lon - west) * shrink * scale, pad + (north - lat) * scale];
  return { at, height };
}

export function mapView() {
  async function load() {
    const box = $("map");
    try {
      /** @type {MapData} */
      const data = await api("/v1/map");
      const rings = data.outlines.features.map((f) => f.geometry.coordinates[0]);
      const { at, height } = projection([...rings.flat(), ...data.enterprises.map((e) => [e.lon, e.lat])]);
      const chart = svg("svg", { viewBox: `0 0 ${WIDTH} ${height}`, class: "map", role: "img", "aria-label": "county map" });
      const labels = svg("g", { class: "labels" });
      for (const f of data.outlines.features) {
        const ring = f.geometry.coordinates[0].map(([lon, lat]) => at(lon, lat));
        const d = `M${ring.map(([x, y]) => `${x.toFixed(1)},${y.toFixed(1)}`).join("L")}Z`;
        chart.append(svg("path", { d, fill: "#f1f5f9", stroke: "#64748b", "stroke-width": 1.2, "data-township": f.properties.code },
          svg("title", {}, f.properties.name)));
        const [x, y] = ring.slice(1).reduce(([sx, sy], [px, py]) => [sx + px / (ring.length - 1), sy + py / (ring.length - 1)], [0, 0]);
        labels.append(svg("text", { x: x.toFixed(1), y: (y - 72).toFixed(1), "text-anchor": "middle", fill: "#334155",
          stroke: "#f1f5f9", "stroke-width": 3, "paint-order": "stroke",
          "font-size": 13 }, f.properties.name));
      }
      chart.append(labels);
      const colour = Object.fromEntries(STATES.map((s) => [s.state, s.colour]));
      for (const e of data.enterprises) {
        const [x, y] = at(e.lon, e.lat);
        const open = [e.open_alarms && `报警 ${e.open_alarms}`, e.open_tasks && `整改 ${e.open_tasks}`,
          e.overdue_tasks && `逾期 ${e.overdue_tasks}`, e.inspected_today && "今日已检查"].filter(Boolean).join(" · ");
        chart.append(svg("circle", { cx: x.toFixed(1), cy: y.toFixed(1), r: e.state === "clear" ? 4.5 : 7,
          fill: colour[e.state] ?? "#6b7280", stroke: "#fff", "stroke-width": 1.5, "data-id": e.id, "data-state": e.state },
          svg("title", {}, `${e.name}（${e.township}）\n${e.state_label.zh} ${e.state_label.en}${open ? `\n${open}` : ""}`)));
      }
      const counts = STATES.map((s) => ({ ...s, n: data.enterprises.filter((e) => e.state === s.state).length }));
      const legend = el("div", { class: "legend", id: "map-legend" }, ...counts.map((s) => el("span", { "data-state": s.state },
        svgDot(s.colour), ` ${s.zh} `, el("span", { class: "en" }, s.en), ` ${s.n}`)),
        data.unplaced ? el("span", { class: "muted" }, `未定位 ${data.unplaced}`, el("span", { class: "en" }, "no position")) : null);
      box.replaceChildren(legend, chart);
    } catch (e) {
      box.replaceChildren(el("p", { class: "error" }, e instanceof Error ? e.message : String(e)));
    }
  }
  return { load };
}

/** A legend's coloured dot. @param {string} colour */
function svgDot(colour) {
  return svg("svg", { viewBox: "0 0 12 12", width: 12, height: 12 }, svg("circle", { cx: 6, cy: 6, r: 5, fill: colour }));
}
