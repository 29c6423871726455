// The dashboard: the server's figures (`GET /v1/dashboard`) as tiles and bar charts drawn in SVG
// (presentation attributes only, so the page's CSP needs no inline styles).

import { $, el } from "./dom.js";
import { api } from "./api.js";

/** @typedef {{ id: string, name: string, count: number }} Named */
/** @typedef {{ from: string, to: string,
 *   alarms_by_township_day: { township: string, township_name: string, day: string, count: number }[],
 *   alarms_by_level: Record<string, number>, open_alarms: number, alarms_past_limit: number,
 *   tasks_by_state: Record<string, number>, overdue_tasks: number, inspections_by_squadron: Named[],
 *   repeat_offenders: Named[] }} Figures */
/** @typedef {{ label: string, value: number, tone?: string }} Bar */

const SVG = "http://www.w3.org/2000/svg";
const LEVELS = { minor: "轻微", general: "一般", serious: "严重" };
const TASK_STATES = { issued: "已下发", acknowledged: "已签收", proof_submitted: "待验收", accepted: "已验收", rejected: "已退回" };

/** @param {string} tag @param {Record<string, string | number>} attrs @param {...(Node | string)} kids */
function svg(tag, attrs, ...kids) {
  const node = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, String(v));
  node.append(...kids);
  return node;
}

/** Vertical bars (one per label), with the value above each.
 * @param {string} name @param {Bar[]} bars @param {{ width?: number, height?: number }} [size] */
export function barChart(name, bars, { width = 520, height = 220 } = {}) {
  const pad = { top: 18, bottom: 46, left: 8, right: 8 };
  const max = Math.max(1, ...bars.map((b) => b.value));
  const slot = (width - pad.left - pad.right) / Math.max(1, bars.length);
  const plot = height - pad.top - pad.bottom;
  const chart = svg("svg", { viewBox: `0 0 ${width} ${height}`, class: "chart", role: "img", "aria-label": name, "data-chart": name });
  chart.append(svg("line", { x1: pad.left, x2: width - pad.right, y1: height - pad.bottom, y2: height - pad.bottom, stroke: "#9aa5b1" }));
  bars.forEach((b, i) => {
    const h = (b.value / max) * plot;
    const x = pad.left + i * slot + slot * 0.15;
    const y = height - pad.bottom - h;
    chart.append(
      svg("rect", { x, y, width: slot * 0.7, height: Math.max(h, b.value ? 1 : 0), fill: b.tone || "#2f7d4f", class: "bar" },
        svg("title", {}, `${b.label}: ${b.value}`)),
      svg("text", { x: x + slot * 0.35, y: y - 4, "text-anchor": "middle", "font-size": 11, fill: "#1d2733" }, String(b.value)),
      svg("text", { x: x + slot * 0.35, y: height - pad.bottom + 14, "text-anchor": "middle", "font-size": 11, fill: "#5f6b7a" },
        b.label.length > 8 ? `${b.label.slice(0, 7)}…` : b.label));
  });
  return chart;
}

/** @param {string} title @param {Node} body */
const card = (title, body) => el("figure", { class: "card chart-card" }, el("figcaption", {}, title), body);
/** @param {string} zh @param {string} en @param {number} value @param {boolean} [alert] */
const tile = (zh, en, value, alert = false) => el("div", { class: alert && value ? "tile alert" : "tile" },
  el("b", {}, String(value)), el("span", {}, zh, el("span", { class: "en" }, en)));

export function dashboardView() {
  async function load() {
    const box = $("dashboard");
    try {
      /** @type {Figures} */
      const f = await api("/v1/dashboard");
      const days = new Map();
      const towns = new Map();
      for (const r of f.alarms_by_township_day) {
        days.set(r.day, (days.get(r.day) ?? 0) + r.count);
        towns.set(r.township_name, (towns.get(r.township_name) ?? 0) + r.count);
      }
      // Every day of the range, so a quiet day shows as a gap.
      /** @type {Bar[]} */
      const perDay = [];
      for (let d = new Date(`${f.from}T00:00:00Z`); d <= new Date(`${f.to}T00:00:00Z`); d.setUTCDate(d.getUTCDate() + 1)) {
        const day = d.toISOString().slice(0, 10);
        perDay.push({ label: day.slice(5), value: days.get(day) ?? 0 });
      }
      const perTown = [...towns].sort((a, b) => b[1] - a[1]).map(([label, value]) => ({ label, value }));
      const levels = Object.entries(LEVELS).map(([k, label]) => ({ label, value: f.alarms_by_level[k] ?? 0,
        tone: k === "serious" ? "#b91c1c" : k === "general" ? "#b45309" : "#0369a1" }));
      const tasks = Object.entries(TASK_STATES).map(([k, label]) => ({ label, value: f.tasks_by_state[k] ?? 0 }));
      const squads = f.inspections_by_squadron.map((s) => ({ label: s.name, value: s.count }));
      box.replaceChildren(
        el("div", { class: "tiles" },
          tile("未办结报警", "open alarms", f.open_alarms),
          tile("超时未响应", "past response limit", f.alarms_past_limit, true),
          tile("逾期整改", "overdue tasks", f.overdue_tasks, true),
          tile("重复报警企业", "repeat offenders", f.repeat_offenders.length, true)),
        el("p", { class: "muted" }, `${f.from} – ${f.to}`),
        el("div", { class: "charts" },
          card("每日报警 alarms per day", barChart("alarms-by-day", perDay)),
          card("各乡镇报警 alarms by township", barChart("alarms-by-township", perTown)),
          card("报警等级 alarms by level", barChart("alarms-by-level", levels)),
          card("整改任务 tasks by state", barChart("tasks-by-state", tasks)),
          card("各中队检查 inspections per squadron", barChart("inspections-by-squadron", squads)),
          card("重复报警企业 repeat offenders", f.repeat_offenders.length
            ? el("ol", { class: "offenders" }, f.repeat_offenders.map((o) => el("li", {}, o.name, el("b", {}, ` ${o.count}`))))
            : el("p", { class: "muted" }, "暂无 none"))));
    } catch (e) {
      box.replaceChildren(el("p", { class: "error" }, e instanceof Error ? e.message : String(e)));
    }
  }
  return { load };
}
