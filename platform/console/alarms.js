// The alarms board: filters (township, state, grade, date range, text) and paging done by the server
// (`/v1/lists/alarms`), each row's buttons from its `actions`.

import { $, el, both, when, left, empty, rowChoice } from "./dom.js";
import { list } from "./api.js";

/** @typedef {import("./dom.js").Text} Text */
/** @typedef {{ level: string, label: Text, linkage: Text }} Grade */
/** @typedef {{ id: string, enterprise_name: string, township_name: string, squadron_name?: string | null,
 *   pollutant: string, monitoring_point: string, kind_label: Text, value: number, limit: number, unit: string,
 *   averaging_label: Text, exceedance_multiple: number | null, level: string, level_label: Text, state: string,
 *   state_label: Text, respond_by: string, seconds_left: number | null, overdue: boolean, actions: string[],
 *   grades: Grade[] }} AlarmRow */
/** @typedef {{ act: (path: string, body: unknown) => Promise<void>,
 *   timeline: (kind: string, id: string, title: string) => void, record: (kind: string, id: string) => void,
 *   townships: () => { id: string, name: string, code: string }[] }} Deps */

export const PAGE = 20;
const OPEN = "raised,dispatched,on_site";
const STATES = [
  [OPEN, "未办结", "open"], ["raised", "报警", "raised"], ["dispatched", "已派单", "dispatched"],
  ["on_site", "现场核查中", "on site"], ["closed", "已闭环", "closed"], ["", "全部", "all"],
];
const GRADES = [["", "全部等级", "any level"], ["minor", "轻微", "minor"], ["general", "一般", "general"], ["serious", "严重", "serious"]];

/** @param {string} name @param {string[][]} options @param {string} label */
const select = (name, options, label) => el("select", { name, "aria-label": label },
  options.map(([value, zh, en]) => el("option", { value }, `${zh} ${en}`)));

/** @param {Deps} deps */
export function alarmsView(deps) {
  let offset = 0;
  // Only the newest request's answer is drawn (an older one may arrive after it).
  let latest = 0;
  // Grades picked but not sent yet: a live update re-draws the rows and must not undo the choice.
  /** @type {Map<string, string>} */
  const chosen = new Map();
  const bar = $("alarm-filters");
  const township = select("township", [["", "全部乡镇", "all townships"]], "乡镇 township");
  const state = select("state", STATES, "状态 state");
  const grade = select("grade", GRADES, "等级 level");
  const from = el("input", { type: "date", name: "from", "aria-label": "起 from" });
  const to = el("input", { type: "date", name: "to", "aria-label": "止 to" });
  const text = el("input", { type: "search", name: "q", placeholder: "企业 / 监测点 / 因子  search", "aria-label": "搜索 search" });
  bar.replaceChildren(township, state, grade, from, "–", to, text);
  const reset = () => { offset = 0; load(); };
  for (const input of [township, state, grade, from, to]) input.addEventListener("change", reset);
  text.addEventListener("input", reset);
  const prev = el("button", { class: "light", "data-page": "prev" }, "上一页", el("span", { class: "en" }, "prev"));
  const next = el("button", { class: "light", "data-page": "next" }, "下一页", el("span", { class: "en" }, "next"));
  const where = el("span", { class: "muted", id: "alarm-range" });
  prev.addEventListener("click", () => { offset = Math.max(0, offset - PAGE); load(); });
  next.addEventListener("click", () => { offset += PAGE; load(); });
  $("alarm-pager").replaceChildren(prev, where, next);

  /** Township choices once the townships are known (they come with the records). */
  function townshipChoices() {
    const known = deps.townships();
    if (township.options.length > 1 || !known.length) return;
    for (const t of [...known].sort((a, b) => a.code.localeCompare(b.code))) township.append(el("option", { value: t.id }, t.name));
  }

  /** The page as the filters say; resolves to the total matching (null: refused; undefined: superseded). */
  async function load() {
    townshipChoices();
    const body = $("alarms");
    try {
      const mine = ++latest;
      const page = await list("alarms", { township: township.value, state: state.value, grade: grade.value,
        from: from.value, to: to.value, q: text.value.trim(), limit: PAGE, offset });
      if (mine !== latest) return undefined;
      if (page.rows.length) body.replaceChildren(...page.rows.map((a) => alarmRow(a, deps, chosen)));
      else empty(body);
      where.textContent = page.total ? `${offset + 1}–${offset + page.rows.length} / ${page.total}` : "0";
      prev.disabled = offset === 0;
      next.disabled = offset + page.rows.length >= page.total;
      return page.total;
    } catch (e) {
      empty(body, e instanceof Error ? e.message : String(e));
      return null;
    }
  }
  return { load };
}

/** @param {AlarmRow} a @param {Deps} deps @param {Map<string, string>} chosen */
function alarmRow(a, deps, chosen) {
  const actions = el("div", { class: "actions" });
  if (a.actions.includes("grade")) {
    // What the chosen grade sets in motion, as the server describes it (three-level linkage).
    const hint = el("span", { class: "sub linkage" });
    const pick = rowChoice(a.id, a.level, a.grades.map((g) => ({ value: g.level, label: `${g.label.zh} ${g.label.en}` })),
      chosen, "等级 level");
    const explain = () => {
      const g = a.grades.find((x) => x.level === pick.value);
      hint.replaceChildren(...both(g?.linkage));
    };
    pick.addEventListener("change", explain);
    explain();
    actions.append(pick, el("button", { on: { click: () => { chosen.delete(a.id); deps.act(`/v1/alarms/${a.id}/grade`, { level: pick.value }); } } },
      "研判", el("span", { class: "en" }, "grade")), hint);
  }
  if (a.actions.includes("dispatch"))
    actions.append(el("button", { "data-action": "dispatch", on: { click: () => deps.act(`/v1/alarms/${a.id}/dispatch`, {}) } },
      "派单", el("span", { class: "en" }, "dispatch")));
  if (a.actions.includes("close"))
    actions.append(el("button", { class: "light", on: { click: () => {
      const feedback = prompt("办结说明 / closing note", "");
      if (feedback !== null) deps.act(`/v1/alarms/${a.id}/close`, { feedback });
    } } }, "办结", el("span", { class: "en" }, "close")));
  actions.append(el("button", { class: "light", "data-action": "record", on: { click: () => deps.record("alarm", a.id) } },
    "记录", el("span", { class: "en" }, "record")),
  el("button", { class: "light", on: { click: () => deps.timeline("alarms", a.id, `${a.enterprise_name} · ${a.pollutant}`) } },
    "时间线", el("span", { class: "en" }, "timeline")));
  const multiple = a.exceedance_multiple == null ? "—" : Number(a.exceedance_multiple.toFixed(2)).toString();
  return el("tr", { "data-id": a.id, class: a.overdue ? "overdue" : null },
    el("td", {}, a.enterprise_name, el("span", { class: "sub" }, a.township_name)),
    el("td", {}, a.pollutant, el("span", { class: "sub" }, `${a.monitoring_point} · ${a.kind_label.zh} ${a.kind_label.en}`)),
    el("td", { class: "num" }, `${a.value} / ${a.limit} ${a.unit}`),
    el("td", {}, both(a.averaging_label)),
    el("td", { class: "num multiple" }, multiple),
    el("td", {}, el("span", { class: `pill level-${a.level}` }, both(a.level_label))),
    el("td", {}, el("span", { class: `pill state-${a.state} state` }, both(a.state_label)),
      a.squadron_name ? el("span", { class: "sub" }, a.squadron_name) : null),
    el("td", { class: a.overdue ? "deadline late" : "deadline" }, when(a.respond_by), left(a.seconds_left)),
    el("td", {}, actions));
}
