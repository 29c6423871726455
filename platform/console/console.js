// @ts-nocheck -- the board's older tables, not yet moved into typed view modules (console/*.js are checked).
// The command centre's console. It renders what the platform's API returns and sends intents back;
// every rule (grades, overdue, time left, exceedance multiple, who may do what) is decided by the server.

import { $, el, both, when, left } from "./dom.js";
import { api, limit, session } from "./api.js";
import { listen } from "./live.js";
import { alarmsView } from "./alarms.js";
import { usersView } from "./users.js";
import { dashboardView } from "./dashboard.js";
import { enterprisesView } from "./enterprises.js";
import { showRecord } from "./record.js";
import { supervisionView } from "./supervision.js";
import { mapView } from "./map.js";
import { exportsView } from "./exports.js";

let taskState = "";
// The county's townships and squadrons (for filters and forms); every table reads a list endpoint.
const areas = { townships: [], squadrons: [] };
const isCommander = () => session.user?.role === "commander";
session.expired = () => signOut();

/** Sends an intent, then reloads the board from the server. */
async function act(path, body) {
  $("error").textContent = "";
  try { await api(path, body); } catch (e) { $("error").textContent = e.message; }
  await load();
}

function taskRow(t) {
  return el("tr", { "data-id": t.id, class: t.overdue ? "overdue" : null },
    el("td", {}, t.enterprise_name),
    el("td", {}, t.requirement),
    el("td", {}, el("span", { class: `pill level-${t.severity}` }, both(t.severity_label))),
    el("td", {}, el("span", { class: `pill state-${t.state}` }, both(t.state_label))),
    el("td", { class: t.overdue ? "deadline late" : "deadline" }, when(t.deadline), left(t.seconds_left)),
    el("td", {}, el("div", { class: "actions" },
      el("button", { class: "light", "data-action": "record", on: { click: () => openRecord("task", t.id) } },
        "记录", el("span", { class: "en" }, "record")),
      el("button", { class: "light", on: { click: () => timeline("tasks", t.id, t.enterprise_name) } },
        "时间线", el("span", { class: "en" }, "timeline")))));
}

function conflictRow(c) {
  // Take: the kept value becomes the record's (a new change the phones pull); the value shown as current
  // goes along, so the server refuses if it moved on meanwhile.
  const resolve = (resolution) => act(`/v1/conflicts/${c.number}/resolve`, { resolution, current: c.current });
  const actions = el("div", { class: "actions" });
  if (c.actions.includes("take"))
    actions.append(el("button", { "data-action": "take", on: { click: () => resolve("taken") } },
      "采用此值", el("span", { class: "en" }, "take")));
  if (c.actions.includes("dismiss"))
    actions.append(el("button", { class: "light", "data-action": "dismiss", on: { click: () => resolve("dismissed") } },
      "保留现值", el("span", { class: "en" }, "keep current")));
  return el("tr", { "data-number": c.number, class: c.resolution ? "resolved" : null },
    el("td", {}, when(c.at)),
    el("td", {}, c.record_name || c.id, el("span", { class: "sub" }, c.field_label ? both(c.field_label) : c.field)),
    el("td", {}, c.base), el("td", { class: "kept" }, c.kept), el("td", { class: "lost" }, c.lost),
    el("td", { class: "current" }, c.current ?? "—"),
    el("td", {}, c.user_name, el("span", { class: "sub" }, c.device)),
    el("td", {}, el("span", { class: "pill state" }, both(c.state_label)),
      c.resolved_by_name ? el("span", { class: "sub" }, `${c.resolved_by_name} · ${when(c.resolved_at)}`) : null,
      actions));
}

function records(kind) {
  return kind === "township" ? areas.townships : areas.squadrons;
}

function inspectionRow(i) {
  return el("tr", { "data-id": i.id },
    el("td", {}, i.enterprise_name, el("span", { class: "sub" }, i.township_name)),
    el("td", {}, when(i.ended_at || i.started_at)),
    el("td", {}, i.inspectors.join("、") || "—"),
    el("td", { class: "summary" }, i.summary || "—"),
    el("td", { class: "num" }, i.photos),
    el("td", {}, el("div", { class: "actions" },
      el("button", { class: "light", "data-action": "record", on: { click: () => openRecord("inspection", i.id) } },
        "记录", el("span", { class: "en" }, "record")),
      i.photos ? el("button", { class: "light", "data-action": "photos",
        on: { click: () => { $("record").hidden = true; showPhotos(i.id, i.enterprise_name); } } }, "照片", el("span", { class: "en" }, "photos")) : null)));
}

const ORIGINAL = {
  held: { zh: "已保存", en: "held" },
  requested: { zh: "已请求", en: "requested" },
  missing: { zh: "缺失", en: "missing" },
};
const SUBJECT = {
  overall: { zh: "现场", en: "site" },
  item: { zh: "检查项", en: "checklist item" },
  finding: { zh: "问题", en: "finding" },
};
const size = (n) => (n < 1024 ? `${n} B` : n < 1048576 ? `${(n / 1024).toFixed(0)} KB` : `${(n / 1048576).toFixed(1)} MB`);

function photoRow(p) {
  const state = ORIGINAL[p.original_state] || { zh: p.original_state, en: "" };
  return el("tr", { "data-evidence": p.evidence },
    el("td", { class: "num" }, p.seq + 1),
    el("td", {}, when(p.taken_at), el("span", { class: "sub" }, both(SUBJECT[p.subject?.kind]))),
    el("td", {}, el("span", { class: `pill original original-${p.original_state}` }, both(state)),
      el("span", { class: "sub" }, size(p.original.len)),
      p.requested_at ? el("span", { class: "sub" }, `请求于 ${when(p.requested_at)}`, el("span", { class: "en" }, "requested")) : null));
}

function fillPhotos(rows) {
  $("photos-list").replaceChildren(...(rows.length ? rows.map(photoRow)
    : [el("tr", {}, el("td", { colspan: 3, class: "muted empty" }, "暂无照片 ", el("span", { class: "en" }, "no photos")))]));
  // Only originals not held yet can be asked for; only the command centre asks.
  $("photos-request").hidden = !isCommander() || !rows.some((p) => p.original_state !== "held");
}

let photosOf = null;
/** The photo drawer of one inspection: each original's state, and the request for the missing ones. */
async function showPhotos(id, title) {
  photosOf = id;
  $("timeline").hidden = true;
  $("photos-title").replaceChildren("照片 ", el("span", { class: "en" }, "photos"), " · ", title);
  $("photos-error").textContent = "";
  $("photos-list").replaceChildren();
  $("photos-request").hidden = true;
  $("photos").hidden = false;
  try { fillPhotos(await api(`/v1/inspections/${id}/photos`)); }
  catch (e) { $("photos-error").textContent = e.message; }
}

async function requestOriginals() {
  const id = photosOf;
  $("photos-error").textContent = "";
  $("photos-request").disabled = true;
  try {
    await api(`/v1/inspections/${id}/originals/request`, {});
    if (id === photosOf) fillPhotos(await api(`/v1/inspections/${id}/photos`));
  } catch (e) { $("photos-error").textContent = e.message; }
  $("photos-request").disabled = false;
}

/** Opens a record (`inspection`, `alarm`, `task`) in the record drawer, closing the other drawers. */
function openRecord(kind, id) {
  $("photos").hidden = $("timeline").hidden = true;
  showRecord(kind, id);
}

/** The townships and squadrons once, then inspections and enterprises from their lists. */
async function loadRecords() {
  try {
    const page = await api(`/v1/lists/inspections?limit=${await limit("list_page_rows")}`);
    fill("inspections", page.rows, inspectionRow);
    count("n-inspections", page.total, false);
  } catch (e) {
    const cols = $("inspections").closest("table").querySelectorAll("th").length;
    $("inspections").replaceChildren(el("tr", {}, el("td", { colspan: cols, class: "error" }, e.message)));
    count("n-inspections", "!", true);
  }
  const n = await enterprises.load();
  if (n !== undefined) count("n-enterprises", n ?? "!", n === null);
}

/** Task state filter: the states present in the full list, as the server labels them. */
function taskFilter(all) {
  const states = new Map(all.map((t) => [t.state, t.state_label]));
  const chip = (value, label) => el("button", { class: taskState === value ? "on" : null,
    on: { click: () => { taskState = value; load(); } } }, label);
  $("task-filter").replaceChildren(chip("", ["全部", el("span", { class: "en" }, "all")]),
    ...[...states].map(([s, label]) => chip(s, both(label))));
}

/** Fills a table body, or says there is nothing. */
function fill(id, items, row) {
  const cols = $(id).closest("table").querySelectorAll("th").length;
  $(id).replaceChildren(...(items.length ? items.map(row)
    : [el("tr", {}, el("td", { colspan: cols, class: "muted empty" }, "暂无 ", el("span", { class: "en" }, "none")))]));
}

function count(id, n, alert) {
  $(id).textContent = n;
  $(id).className = alert ? "alert" : "";
}

/** Loads one table; a refusal (e.g. devices for a township office) is shown in that table only. */
async function section(id, path, row, counted = (items) => [items.length, items.some((x) => x.overdue)]) {
  try {
    const items = await api(path);
    fill(id, items, row);
    count(`n-${id}`, ...counted(items));
    return items;
  } catch (e) {
    const cols = $(id).closest("table").querySelectorAll("th").length;
    $(id).replaceChildren(el("tr", {}, el("td", { colspan: cols, class: "error" }, e.message)));
    count(`n-${id}`, "!", true);
    return null;
  }
}

async function load() {
  if (!areas.townships.length) {
    Object.assign(areas, await api("/v1/areas").catch(() => ({})));
    paperwork.load();
  }
  const query = taskState ? `?state=${encodeURIComponent(taskState)}` : "";
  const [, all] = await Promise.all([
    alarms.load().then((n) => n !== undefined && count("n-alarms", n ?? "!", n === null)),
    api("/v1/tasks").catch(() => null),
    section("tasks", `/v1/tasks${query}`, taskRow),
    section("conflicts", "/v1/conflicts", conflictRow, (c) => [c.filter((x) => x.actions.length).length, false]),
    loadRecords().then(() => users.load()),
    dashboard.load(),
    $("board").querySelector("[data-panel=supervision]").hidden ? null : supervision.load(),
    $("board").querySelector("[data-panel=map]").hidden ? null : countyMap.load(),
  ]);
  if (all) {
    taskFilter(all);
    count("n-tasks", all.length, all.some((t) => t.overdue));
  }
  $("updated").textContent = `更新于 ${when(new Date().toISOString())}`;
}

async function timeline(kind, id, title) {
  $("photos").hidden = true;
  $("timeline-title").replaceChildren("时间线 ", el("span", { class: "en" }, "timeline"), " · ", title);
  $("timeline-list").replaceChildren();
  $("timeline").hidden = false;
  try {
    const rows = await api(`/v1/${kind}/${id}/timeline`);
    $("timeline-list").replaceChildren(...rows.map((r) => el("li", {},
      el("div", { class: "when" }, when(r.at), " · ", r.user_name),
      el("strong", {}, r.to_label ? both(r.to_label) : r.to_state), " ", el("span", { class: "en" }, `(${r.action})`),
      r.note ? el("div", { class: "note" }, r.note) : null)));
    if (!rows.length) $("timeline-list").append(el("li", { class: "muted" }, "暂无记录 / no entries"));
  } catch (e) { $("timeline-list").replaceChildren(el("li", { class: "error" }, e.message)); }
}

function show(signedIn) {
  $("signin").hidden = signedIn;
  $("board").hidden = !signedIn;
  $("signout").hidden = $("refresh").hidden = !signedIn;
  $("who").textContent = signedIn ? `${session.user.name}（${session.user.login}）` : "";
  if (!signedIn) $("timeline").hidden = $("photos").hidden = $("record").hidden = true;
}

function signOut() {
  sessionStorage.clear();
  session.token = session.user = null;
  taskState = "";
  areas.townships = [];
  areas.squadrons = [];
  stopLive();
  for (const id of ["alarms", "tasks", "conflicts", "users", "devices", "inspections", "enterprises", "dashboard", "risk", "draws", "draw-result", "coverage", "map"]) $(id).replaceChildren();
  show(false);
}

$("login").addEventListener("submit", async (ev) => {
  ev.preventDefault();
  const form = new FormData(ev.target);
  $("login-error").textContent = "";
  try {
    // The platform binds a device to one user: this browser is a device of each login used here.
    const key = `fc-console-device:${form.get("login")}`;
    let device = localStorage.getItem(key);
    if (!device) localStorage.setItem(key, (device = crypto.randomUUID()));
    const r = await fetch("/v1/login", { method: "POST", headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ login: form.get("login"), password: form.get("password"), device }) });
    const body = await r.json();
    if (!r.ok) throw new Error(body.message || `HTTP ${r.status}`);
    Object.assign(session, { token: body.token, user: body.user });
    sessionStorage.setItem("fc-token", body.token);
    sessionStorage.setItem("fc-user", JSON.stringify(body.user));
    show(true);
    startLive();
    await load();
  } catch (e) { $("login-error").textContent = e.message; }
});

for (const tab of document.querySelectorAll("[data-tab]"))
  tab.addEventListener("click", () => {
    for (const t of document.querySelectorAll("[data-tab]")) t.classList.toggle("on", t === tab);
    for (const p of document.querySelectorAll("[data-panel]")) p.hidden = p.dataset.panel !== tab.dataset.tab;
    // The risk index is computed over the whole county: asked for only when its tab is open.
    if (tab.dataset.tab === "supervision") supervision.load();
    if (tab.dataset.tab === "map") countyMap.load();
  });
$("signout").addEventListener("click", signOut);
$("refresh").addEventListener("click", load);
$("timeline-close").addEventListener("click", () => ($("timeline").hidden = true));
$("photos-close").addEventListener("click", () => { $("photos").hidden = true; photosOf = null; });
$("photos-request").addEventListener("click", requestOriginals);
$("record-close").addEventListener("click", () => ($("record").hidden = true));
const alarms = alarmsView({ act, timeline, record: openRecord, townships: () => records("township") });
const dashboard = dashboardView({ open: openRecord });
const paperwork = exportsView({ townships: () => records("township"), isCommander });
const enterprises = enterprisesView({ act, townships: () => records("township") });
const supervision = supervisionView({ canDraw: isCommander, townships: () => records("township") });
const countyMap = mapView({ open: openRecord });
const users = usersView({ act, squadrons: () => records("squadron"), townships: () => records("township") });

// Live updates: every change the caller may see reloads the board (at most once per 200 ms).
let stopLive = () => {};
/** @type {ReturnType<typeof setTimeout> | undefined} */
let pending;
function startLive() {
  stopLive();
  stopLive = listen(() => {
    clearTimeout(pending);
    pending = setTimeout(load, 200);
  }, (on) => $("live").classList.toggle("on", on));
}

// The server's time left moves on; refresh the board every minute besides the live updates.
setInterval(() => session.token && load(), 60000);
show(Boolean(session.token));
if (session.token) { startLive(); load(); }
