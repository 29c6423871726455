// The live map (`GET /v1/map`) drawn with Leaflet: the township outlines the platform is configured with, its
// tile layer when it has one (nothing comes from the internet), and the enterprises as markers coloured by
// the state the server gives them. A click on a marker opens the record it names (the open alarm, the
// (overdue) task or today's inspection) in the record drawer.

import { $, el } from "./dom.js";
import { api } from "./api.js";
import { loadLeaflet, libraryMissing } from "./libs.js";

/** @typedef {import("./dom.js").Text} Text */
/** @typedef {{ id: string, name: string, township: string, lat: number, lon: number, state: string, state_label: Text,
 *   open_alarms: number, open_tasks: number, overdue_tasks: number, inspected_today: boolean,
 *   opens: { kind: string, id: string } | null }} Marker */
/** @typedef {{ outlines: import("geojson").FeatureCollection, tiles: { url: string, attribution: string } | null,
 *   enterprises: Marker[], unplaced: number }} MapData */
/** @typedef {{ open: (kind: string, id: string) => void }} Deps */

/** The states, most pressing first, with their colours (the legend's order). */
export const STATES = [
  { state: "alarm", colour: "#dc2626", zh: "报警未闭环", en: "open alarm" },
  { state: "overdue_task", colour: "#ea580c", zh: "整改逾期", en: "overdue task" },
  { state: "open_task", colour: "#ca8a04", zh: "整改中", en: "open task" },
  { state: "inspected_today", colour: "#2563eb", zh: "今日已检查", en: "inspected today" },
  { state: "clear", colour: "#16a34a", zh: "正常", en: "clear" },
];

/** @param {Deps} deps */
export function mapView(deps) {
  /** @type {import("leaflet").Map | null} */
  let map = null;
  /** @type {import("leaflet").LayerGroup | null} */
  let layers = null;
  let fitted = false;
  /** @type {import("leaflet").Canvas | undefined} */
  let clearRenderer;

  async function load() {
    const box = $("map");
    try {
      const L = await loadLeaflet().catch((e) => { throw Object.assign(e, { missing: true }); });
      /** @type {MapData} */
      const data = await api("/v1/map");
      if (!map) {
        const canvas = el("div", { id: "map-canvas", class: "map" });
        box.replaceChildren(el("div", { class: "legend", id: "map-legend" }), canvas);
        // Bottom to top: tiles, the outlines (SVG, a pane of their own), the many clear enterprises on one
        // canvas (which draws thousands quickly), and the markers that open a record (SVG in the marker pane:
        // each an element that can be clicked and found by tests; clicks elsewhere pass through).
        map = L.map(canvas, { preferCanvas: false, zoomSnap: 0.25, attributionControl: Boolean(data.tiles) });
        const outlinePane = map.createPane("outlines");
        outlinePane.style.zIndex = "350";
        clearRenderer = L.canvas({ padding: 0.3 });
        if (data.tiles) L.tileLayer(data.tiles.url, { attribution: data.tiles.attribution, maxZoom: 19 }).addTo(map);
        layers = L.layerGroup().addTo(map);
      }
      const group = /** @type {import("leaflet").LayerGroup} */ (layers);
      group.clearLayers();
      const outlines = L.geoJSON(data.outlines, {
        pane: "outlines",
        style: () => ({ color: "#475569", weight: 1.5, fillColor: data.tiles ? "#ffffff" : "#e2e8f0", fillOpacity: data.tiles ? 0.15 : 0.6 }),
        onEachFeature: (f, layer) => {
          const name = String(f.properties?.name ?? "");
          layer.bindTooltip(name, { permanent: true, direction: "center", className: "township-label" });
          const path = /** @type {import("leaflet").Path} */ (layer);
          path.on("add", () => path.getElement()?.setAttribute("data-township", String(f.properties?.code ?? name)));
        },
      }).addTo(group);
      const colour = Object.fromEntries(STATES.map((s) => [s.state, s.colour]));
      for (const e of data.enterprises) {
        const open = [e.open_alarms && `报警 ${e.open_alarms}`, e.open_tasks && `整改 ${e.open_tasks}`,
          e.overdue_tasks && `逾期 ${e.overdue_tasks}`, e.inspected_today && "今日已检查"].filter(Boolean).join(" · ");
        const marker = L.circleMarker([e.lat, e.lon], {
          radius: e.state === "clear" ? 4 : 7, color: "#ffffff", weight: 1.5, fillColor: colour[e.state] ?? "#6b7280", fillOpacity: 0.95,
          className: `marker state-${e.state}`,
          ...(e.state === "clear" ? { renderer: clearRenderer } : { pane: "markerPane" }),
        // Built as elements: names are data, never HTML.
        }).bindTooltip(el("div", {}, `${e.name}（${e.township}）`, el("br"), `${e.state_label.zh} ${e.state_label.en}`,
          open ? el("br") : null, open || null));
        marker.on("add", () => {
          const path = marker.getElement();
          path?.setAttribute("data-id", e.id);
          path?.setAttribute("data-state", e.state);
          if (e.opens) path?.setAttribute("data-opens", `${e.opens.kind}:${e.opens.id}`);
        });
        const opens = e.opens;
        if (opens) marker.on("click", () => deps.open(opens.kind, opens.id));
        marker.addTo(group);
      }
      if (!fitted) {
        map.fitBounds(outlines.getBounds(), { padding: [12, 12] });
        fitted = true;
      }
      map.invalidateSize();
      const counts = STATES.map((s) => ({ ...s, n: data.enterprises.filter((e) => e.state === s.state).length }));
      $("map-legend").replaceChildren(...counts.map((s) => el("span", { "data-state": s.state },
        el("i", { class: `dot state-${s.state}` }), ` ${s.zh} `, el("span", { class: "en" }, s.en), ` ${s.n}`)),
        ...(data.unplaced ? [el("span", { class: "muted" }, `未定位 ${data.unplaced}`, el("span", { class: "en" }, "no position"))] : []),
        el("span", { class: "muted" }, "点击标记查看记录 ", el("span", { class: "en" }, "click a marker for its record")));
    } catch (e) {
      map?.remove();
      map = null;
      clearRenderer = undefined;
      fitted = false;
      box.replaceChildren(/** @type {any} */ (e)?.missing ? libraryMissing(e) : el("p", { class: "error" }, e instanceof Error ? e.message : String(e)));
    }
  }
  return { load };
}
