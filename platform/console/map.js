// The live map (`GET /v1/map`) drawn with Leaflet, one layer per kind, each toggled in the layer control:
// the township outlines the platform is configured with (its tile layer under them when it has one; nothing
// comes from the internet), the enterprises coloured by the most pressing state there, and each open alarm,
// open task, overdue task and inspection of today as a marker of its own, coloured by its state, set around
// its enterprise (several at one place are spread on a small ring so each can be clicked). A click opens
// that record (the enterprise's page for an enterprise) in the record drawer. Only the shown layers are
// fetched; showing another fetches it.

import { $, el } from "./dom.js";
import { api } from "./api.js";
import { loadLeaflet, libraryMissing } from "./libs.js";

/** @typedef {import("./dom.js").Text} Text */
/** @typedef {{ id: string[], name: string[], town: number[], lat: number[], lon: number[], state: string[] }} EnterpriseColumns */
/** @typedef {{ id: string, enterprise: string, name: string, lat: number, lon: number, state: string, state_label: Text,
 *   grade: string, grade_label: Text | null, at: string, overdue: boolean }} RecordMarker */
/** @typedef {{ layer: Layer, label: Text, count: number, sent: boolean }} LayerCount */
/** @typedef {"outlines" | "enterprises" | "alarms" | "tasks" | "overdue_tasks" | "inspections"} Layer */
/** @typedef {{ outlines: import("geojson").FeatureCollection | null, tiles: { url: string, attribution: string } | null,
 *   layers: LayerCount[], townships: string[], enterprises: EnterpriseColumns, alarms: RecordMarker[], tasks: RecordMarker[],
 *   overdue_tasks: RecordMarker[], inspections: RecordMarker[], unplaced: number }} MapData */
/** @typedef {{ open: (kind: string, id: string) => void }} Deps */

/** The enterprises' states, most pressing first, with their colours (the legend's order). */
export const STATES = [
  { state: "alarm", colour: "#dc2626", zh: "报警未闭环", en: "open alarm" },
  { state: "overdue_task", colour: "#ea580c", zh: "整改逾期", en: "overdue task" },
  { state: "open_task", colour: "#ca8a04", zh: "整改中", en: "open task" },
  { state: "inspected_today", colour: "#2563eb", zh: "今日已检查", en: "inspected today" },
  { state: "clear", colour: "#16a34a", zh: "正常", en: "clear" },
];

/** The layers in the control's order; the record layers with the kind of record a click opens. */
export const LAYERS = /** @type {const} */ ([
  { layer: "outlines", zh: "乡镇边界", en: "townships" },
  { layer: "enterprises", zh: "企业", en: "enterprises" },
  { layer: "alarms", zh: "未闭环报警", en: "open alarms", kind: "alarm" },
  { layer: "overdue_tasks", zh: "逾期任务", en: "overdue tasks", kind: "task" },
  { layer: "tasks", zh: "整改中任务", en: "open tasks", kind: "task" },
  { layer: "inspections", zh: "今日检查", en: "today's inspections", kind: "inspection" },
]);

/** Pixels between a record marker and its enterprise's point. */
const RING = 11;

/** @param {Deps} deps */
export function mapView(deps) {
  /** @type {import("leaflet").Map | null} */
  let map = null;
  /** @type {Partial<Record<Layer, import("leaflet").LayerGroup>>} */
  let groups = {};
  let fitted = false;
  /** @type {import("leaflet").Canvas | undefined} */
  let clearRenderer;
  /** The layers shown (all at first), kept across reloads. */
  const shown = new Set(LAYERS.map((l) => l.layer));
  /** The layers the last answer carried. @type {Set<string>} */
  let sent = new Set();

  /** @type {import("leaflet").Control.Layers | null} */
  let control = null;
  /** A layer's name in the control: its swatch, label and count (constants and a number: Leaflet reads it as HTML).
   * @param {typeof LAYERS[number]} l @param {number | string} n */
  const title = (l, n) => `<span class="layer-name" data-layer="${l.layer}"><i class="swatch swatch-${l.layer}"></i> ${l.zh} ` +
    `<span class="en">${l.en}</span> <b class="n">${Number(n) || 0}</b></span>`;

  /** @param {typeof import("leaflet")} L @param {MapData} data */
  function build(L, data) {
    const canvas = el("div", { id: "map-canvas", class: "map" });
    $("map").replaceChildren(el("div", { class: "legend", id: "map-legend" }), canvas);
    // Bottom to top: tiles, the outlines (SVG, a pane of their own), the many clear enterprises on one canvas
    // (which draws thousands quickly), the enterprises with something open (SVG), and the records (DOM markers:
    // each an element that can be clicked and found by tests).
    const m = L.map(canvas, { preferCanvas: false, zoomSnap: 0.25, attributionControl: Boolean(data.tiles) });
    m.createPane("outlines").style.zIndex = "350";
    clearRenderer = L.canvas({ padding: 0.3 });
    if (data.tiles) L.tileLayer(data.tiles.url, { attribution: data.tiles.attribution, maxZoom: 19 }).addTo(m);
    control = L.control.layers(undefined, undefined, { collapsed: false, sortLayers: false }).addTo(m);
    control.getContainer()?.setAttribute("id", "map-layers");
    groups = {};
    for (const l of LAYERS) {
      const g = L.layerGroup();
      groups[l.layer] = g;
      control.addOverlay(g, title(l, 0));
      if (shown.has(l.layer)) g.addTo(m);
    }
    const layerOf = (/** @type {unknown} */ g) => LAYERS.find((l) => groups[l.layer] === g)?.layer;
    m.on("overlayadd", (e) => {
      const l = layerOf(e.layer);
      if (!l) return;
      shown.add(l);
      if (!sent.has(l)) load();
    });
    m.on("overlayremove", (e) => { const l = layerOf(e.layer); if (l) shown.delete(l); });
    return m;
  }

  /** @param {typeof import("leaflet")} L @param {MapData} data */
  function drawEnterprises(L, data) {
    const colour = Object.fromEntries(STATES.map((s) => [s.state, s.colour]));
    const label = Object.fromEntries(STATES.map((s) => [s.state, `${s.zh} ${s.en}`]));
    const group = /** @type {import("leaflet").LayerGroup} */ (groups.enterprises);
    const e = data.enterprises;
    for (let i = 0; i < e.id.length; i++) {
      const [id, state] = [e.id[i], e.state[i]];
      const clear = state === "clear";
      const marker = L.circleMarker([e.lat[i], e.lon[i]], {
        radius: clear ? 4 : 6, color: "#ffffff", weight: 1.5, fillColor: colour[state] ?? "#6b7280", fillOpacity: 0.95,
        className: `marker state-${state}`,
        ...(clear ? { renderer: clearRenderer } : { pane: "overlayPane" }),
      // Built when first shown (thousands of markers), as elements: names are data, never HTML.
      }).bindTooltip(() => el("div", {}, `${e.name[i]}（${data.townships[e.town[i]] ?? ""}）`, el("br"), label[state] ?? state));
      // The clear ones are drawn on the canvas: no element to mark.
      if (!clear) marker.on("add", () => {
        const path = marker.getElement();
        path?.setAttribute("data-id", id);
        path?.setAttribute("data-state", state);
      });
      marker.on("click", () => deps.open("enterprise", id));
      marker.addTo(group);
    }
  }

  /** The record layers, each record set on a ring around its enterprise's point.
   * @param {typeof import("leaflet")} L @param {MapData} data */
  function drawRecords(L, data) {
    const records = LAYERS.filter((l) => "kind" in l && sent.has(l.layer))
      .flatMap((l) => data[/** @type {"alarms"} */ (l.layer)].map((r) => ({ l, r })));
    /** @type {Map<string, number>} */
    const at = new Map();
    for (const { r } of records) at.set(r.enterprise, (at.get(r.enterprise) ?? 0) + 1);
    /** @type {Map<string, number>} */
    const placed = new Map();
    for (const { l, r } of records) {
      const n = at.get(r.enterprise) ?? 1;
      const k = placed.get(r.enterprise) ?? 0;
      placed.set(r.enterprise, k + 1);
      const angle = -Math.PI / 2 + (2 * Math.PI * k) / n;
      const radius = RING + Math.max(0, n - 4) * 2;
      const [dx, dy] = [Math.round(radius * Math.cos(angle)), Math.round(radius * Math.sin(angle))];
      const kind = /** @type {string} */ ("kind" in l ? l.kind : "");
      const icon = L.divIcon({
        className: `rec rec-${l.layer} s-${r.state}${r.overdue ? " overdue" : ""}`,
        iconSize: [14, 14], iconAnchor: [7 - dx, 7 - dy], html: "",
      });
      const marker = L.marker([r.lat, r.lon], { icon, keyboard: false, riseOnHover: true })
        .bindTooltip(el("div", {}, `${l.zh} ${l.en}`, el("br"), r.name, el("br"),
          `${r.state_label.zh} ${r.state_label.en}`, r.grade_label ? ` · ${r.grade_label.zh}` : "",
          r.overdue ? " · 已超时 overdue" : ""), { offset: [dx, dy] });
      marker.on("add", () => {
        const node = marker.getElement();
        node?.setAttribute("data-layer", l.layer);
        node?.setAttribute("data-kind", kind);
        node?.setAttribute("data-id", r.id);
        node?.setAttribute("data-state", r.state);
        node?.setAttribute("data-enterprise", r.enterprise);
      });
      marker.on("click", () => deps.open(kind, r.id));
      marker.addTo(/** @type {import("leaflet").LayerGroup} */ (groups[l.layer]));
    }
  }

  async function load() {
    const box = $("map");
    try {
      // The library and the data at once.
      /** @type {[typeof import("leaflet"), MapData]} */
      const [L, data] = await Promise.all([loadLeaflet().catch((e) => { throw Object.assign(e, { missing: true }); }),
        api(`/v1/map?layers=${[...shown].join(",")}`)]);
      if (!map) map = build(L, data);
      sent = new Set(data.layers.filter((l) => l.sent).map((l) => l.layer));
      for (const l of data.layers) if (l.sent) groups[l.layer]?.clearLayers();
      // The control's names with their counts: every layer taken out and put back in order (Leaflet redraws
      // the list from its names).
      const count = Object.fromEntries(data.layers.map((l) => [l.layer, l.count]));
      for (const l of LAYERS) control?.removeLayer(/** @type {import("leaflet").Layer} */ (groups[l.layer]));
      for (const l of LAYERS) control?.addOverlay(/** @type {import("leaflet").Layer} */ (groups[l.layer]), title(l, count[l.layer]));
      if (data.outlines) {
        const outlines = L.geoJSON(data.outlines, {
          pane: "outlines",
          style: () => ({ color: "#475569", weight: 1.5, fillColor: data.tiles ? "#ffffff" : "#e2e8f0", fillOpacity: data.tiles ? 0.15 : 0.6 }),
          onEachFeature: (f, layer) => {
            const name = String(f.properties?.name ?? "");
            layer.bindTooltip(name, { permanent: true, direction: "center", className: "township-label" });
            const path = /** @type {import("leaflet").Path} */ (layer);
            path.on("add", () => path.getElement()?.setAttribute("data-township", String(f.properties?.code ?? name)));
          },
        }).addTo(/** @type {import("leaflet").LayerGroup} */ (groups.outlines));
        if (!fitted) {
          map.fitBounds(outlines.getBounds(), { padding: [12, 12] });
          fitted = true;
        }
      }
      if (sent.has("enterprises")) drawEnterprises(L, data);
      drawRecords(L, data);
      if (!fitted && data.enterprises.id.length) {
        const e = data.enterprises;
        map.fitBounds(L.latLngBounds(e.lat.map((lat, i) => [lat, e.lon[i]])), { padding: [12, 12] });
        fitted = true;
      }
      map.invalidateSize();
      if (sent.has("enterprises")) {
        const counts = STATES.map((s) => ({ ...s, n: data.enterprises.state.filter((state) => state === s.state).length }));
        $("map-legend").replaceChildren(el("span", { class: "muted" }, "企业 ", el("span", { class: "en" }, "enterprises")),
          ...counts.map((s) => el("span", { "data-state": s.state },
            el("i", { class: `dot state-${s.state}` }), ` ${s.zh} `, el("span", { class: "en" }, s.en), ` ${s.n}`)),
          ...(data.unplaced ? [el("span", { class: "muted" }, `未定位 ${data.unplaced}`, el("span", { class: "en" }, "no position"))] : []),
          el("span", { class: "muted" }, "点击标记查看记录 ", el("span", { class: "en" }, "click a marker for its record")));
      }
    } catch (e) {
      map?.remove();
      map = null;
      control = null;
      clearRenderer = undefined;
      fitted = false;
      box.replaceChildren(/** @type {any} */ (e)?.missing ? libraryMissing(e) : el("p", { class: "error" }, e instanceof Error ? e.message : String(e)));
    }
  }
  return { load };
}
