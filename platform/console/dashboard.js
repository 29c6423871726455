// The dashboard: the server's figures (`GET /v1/dashboard`) as tiles, ECharts bar charts (canvas, so the
// page's CSP needs no inline styles), response time against the limit per level and township, and the
// overdue tasks. Every figure is the server's; the page only draws it.

import { $, el, both, when, left } from "./dom.js";
import { api } from "./api.js";
import { loadEcharts, libraryMissing } from "./libs.js";

/** @typedef {import("./dom.js").Text} Text */
/** @typedef {{ id: string, name: string, count: number }} Named */
/** @typedef {{ count: number, median_minutes: number | null, p90_minutes: number | null, worst_minutes: number | null }} Stat */
/** @typedef {{ key: string, label: Text, alarms: number, limit_hours: number[], dispatched: Stat, arrived: Stat, closed: Stat,
 *   within_limit: number, past_limit: number }} ResponseGroup */
/** @typedef {{ id: string, enterprise_name: string, requirement: string, deadline: string, seconds_left: number | null,
 *   severity_label: Text, state_label: Text }} TaskRow */
/** @typedef {{ from: string, to: string,
 *   alarms_by_township_day: { township: string, township_name: string, day: string, count: number }[],
 *   alarms_by_level: Record<string, number>, open_alarms: number, alarms_past_limit: number,
 *   tasks_by_state: Record<string, number>, overdue_tasks: number, overdue_task_list: TaskRow[],
 *   response_by_level: ResponseGroup[], response_by_township: ResponseGroup[],
 *   inspections_by_squadron: Named[], repeat_offenders: Named[] }} Figures */
/** @typedef {{ label: string, value: number, tone?: string }} Bar */
/** @typedef {{ open: (kind: string, id: string) => void }} Deps */

const LEVELS = { minor: "轻微", general: "一般", serious: "严重" };
const LEVEL_ORDER = ["serious", "general", "minor"];
const TASK_STATES = { issued: "已下发", acknowledged: "已签收", proof_submitted: "待验收", accepted: "已验收", rejected: "已退回" };
const BRAND = "#2f7d4f";

/** A duration in minutes as people read it. @param {number | null} m */
export function duration(m) {
  if (m == null) return "—";
  if (m < 90) return `${Math.round(m)} 分`;
  if (m < 48 * 60) return `${(m / 60).toFixed(1)} 小时`;
  return `${(m / 1440).toFixed(1)} 天`;
}

/** A bar chart drawn by ECharts into a box that carries its name and values (for tests and screen readers).
 * @param {typeof import("echarts")} echarts @param {string} name @param {Bar[]} bars @param {number} [height] */
function barChart(echarts, name, bars, height = 240) {
  const box = el("div", { class: "chart", role: "img", "aria-label": name, "data-chart": name,
    "data-values": JSON.stringify(bars.map((b) => [b.label, b.value])) });
  box.style.height = `${height}px`;
  queueMicrotask(() => {
    const chart = echarts.init(box, null, { renderer: "canvas" });
    chart.setOption({
      animation: false,
      grid: { left: 36, right: 12, top: 24, bottom: 48 },
      textStyle: { fontFamily: "system-ui, 'Noto Sans CJK SC', 'Microsoft YaHei', sans-serif" },
      tooltip: { trigger: "axis", renderMode: "richText" },
      xAxis: { type: "category", data: bars.map((b) => b.label),
        // Long names (a squadron's) break onto two lines instead of running into their neighbours.
        axisLabel: { interval: 0, rotate: bars.length > 8 ? 40 : 0, fontSize: 12, color: "#475569",
          ...(bars.length > 8 ? {} : { width: 72, overflow: "break" }) } },
      yAxis: { type: "value", minInterval: 1, axisLabel: { color: "#64748b" }, splitLine: { lineStyle: { color: "#e2e8f0" } } },
      series: [{ type: "bar", barMaxWidth: 38, label: { show: true, position: "top", color: "#1d2733" },
        data: bars.map((b) => ({ value: b.value, itemStyle: { color: b.tone || BRAND, borderRadius: [3, 3, 0, 0] } })) }],
    });
    new ResizeObserver(() => chart.resize()).observe(box);
  });
  return box;
}

/** @param {string} title @param {Node} body @param {string} [wide] */
const card = (title, body, wide) => el("figure", { class: wide ? "card chart-card wide" : "card chart-card" },
  el("figcaption", {}, title), body);
/** @param {string} zh @param {string} en @param {number} value @param {boolean} [alert] */
const tile = (zh, en, value, alert = false) => el("div", { class: alert && value ? "tile alert" : "tile" },
  el("b", {}, String(value)), el("span", {}, zh, el("span", { class: "en" }, en)));

/** The response table: one row per group, each stage's median / p90 / worst against the limit.
 * @param {string} name @param {ResponseGroup[]} groups */
function responseTable(name, groups) {
  const stat = (/** @type {Stat} */ s) => el("td", { class: "num" }, duration(s.median_minutes),
    el("span", { class: "sub" }, `P90 ${duration(s.p90_minutes)} · 最长 ${duration(s.worst_minutes)}`));
  const head = (/** @type {string} */ zh, /** @type {string} */ en, num = true) =>
    el("th", { class: num ? "num" : null }, zh, el("br"), el("span", { class: "en" }, en));
  return el("table", { class: "response", "data-response": name },
    el("thead", {}, el("tr", {}, head(name === "level" ? "等级" : "乡镇", name === "level" ? "level" : "township", false),
      head("报警数", "alarms"), head("响应时限", "limit"), head("至派单 中位", "to dispatch, median"),
      head("至到场 中位", "to arrival, median"), head("至闭环 中位", "to closure, median"),
      head("时限内到场", "on site in time"), head("超时", "past limit"))),
    el("tbody", {}, groups.length ? groups.map((g) => el("tr", { "data-key": g.key, class: g.past_limit ? "overdue" : null },
      el("td", {}, name === "level" ? el("span", { class: `pill level-${g.key}` }, both(g.label)) : g.label.zh),
      el("td", { class: "num" }, g.alarms),
      el("td", { class: "num" }, g.limit_hours.map((h) => `${h} 小时`).join(" / ")),
      stat(g.dispatched), stat(g.arrived), stat(g.closed),
      el("td", { class: "num" }, g.within_limit),
      el("td", { class: g.past_limit ? "num late" : "num" }, g.past_limit)))
      : [el("tr", {}, el("td", { colspan: 8, class: "muted empty" }, "暂无 ", el("span", { class: "en" }, "none")))]));
}

/** @param {Deps} deps */
export function dashboardView(deps) {
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
      const byLevel = [...f.response_by_level].sort((a, b) => LEVEL_ORDER.indexOf(a.key) - LEVEL_ORDER.indexOf(b.key));
      const byTown = [...f.response_by_township].sort((a, b) => b.past_limit - a.past_limit || b.alarms - a.alarms);
      const overdue = el("table", { id: "overdue-tasks" },
        el("thead", {}, el("tr", {}, el("th", {}, "企业", el("br"), el("span", { class: "en" }, "enterprise")),
          el("th", {}, "整改要求", el("br"), el("span", { class: "en" }, "requirement")),
          el("th", {}, "期限", el("br"), el("span", { class: "en" }, "deadline")))),
        el("tbody", {}, f.overdue_task_list.length ? f.overdue_task_list.map((t) => el("tr", { "data-id": t.id, class: "clickable overdue",
          on: { click: () => deps.open("task", t.id) } },
          el("td", {}, t.enterprise_name), el("td", {}, t.requirement),
          el("td", { class: "deadline late" }, when(t.deadline), left(t.seconds_left))))
          : [el("tr", {}, el("td", { colspan: 3, class: "muted empty" }, "无逾期 ", el("span", { class: "en" }, "none overdue")))]));

      /** @type {typeof import("echarts") | null} */
      let echarts = null;
      /** @type {unknown} */
      let missing = null;
      try { echarts = await loadEcharts(); } catch (e) { missing = e; }
      const chart = (/** @type {string} */ name, /** @type {Bar[]} */ bars, height = 240) =>
        !echarts ? libraryMissing(missing)
        : bars.length ? barChart(echarts, name, bars, height)
        : el("p", { class: "muted empty-chart", "data-chart-empty": name }, "暂无数据 ", el("span", { class: "en" }, "nothing yet"));
      const arrival = byTown.filter((g) => g.arrived.count).map((g) => ({ label: g.label.zh,
        value: Math.round(((g.arrived.p90_minutes ?? 0) / 60) * 10) / 10, tone: g.past_limit ? "#b91c1c" : BRAND }));
      // The charts drawn last time go before their boxes do.
      for (const old of box.querySelectorAll("[data-chart]")) if (old instanceof HTMLElement) echarts?.getInstanceByDom(old)?.dispose();
      box.replaceChildren(
        el("div", { class: "tiles" },
          tile("未办结报警", "open alarms", f.open_alarms),
          tile("超时未响应", "past response limit", f.alarms_past_limit, true),
          tile("逾期整改", "overdue tasks", f.overdue_tasks, true),
          tile("重复报警企业", "repeat offenders", f.repeat_offenders.length, true)),
        el("p", { class: "muted" }, `${f.from} – ${f.to}`),
        el("div", { class: "charts" },
          card("响应时效（按等级）response time against the limit, by level", responseTable("level", byLevel), "wide"),
          card("每日报警 alarms per day", chart("alarms-by-day", perDay)),
          card("各乡镇报警 alarms by township", chart("alarms-by-township", perTown)),
          card("各乡镇到场用时 P90（小时）time to arrival, 90th percentile (h)", chart("arrival-p90-by-township", arrival)),
          card("逾期整改任务 overdue tasks", overdue),
          card("报警等级 alarms by level", chart("alarms-by-level", levels)),
          card("整改任务 tasks by state", chart("tasks-by-state", tasks)),
          card("各中队检查 inspections per squadron", chart("inspections-by-squadron", squads)),
          card("重复报警企业 repeat offenders", f.repeat_offenders.length
            ? el("ol", { class: "offenders" }, f.repeat_offenders.map((o) => el("li", {}, o.name, el("b", {}, ` ${o.count}`))))
            : el("p", { class: "muted" }, "暂无 none")),
          card("响应时效（按乡镇）response time against the limit, by township", responseTable("township", byTown), "wide")));
    } catch (e) {
      box.replaceChildren(el("p", { class: "error" }, e instanceof Error ? e.message : String(e)));
    }
  }
  return { load };
}
