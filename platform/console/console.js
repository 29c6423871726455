// The command centre's console. It renders what the platform's API returns and sends intents back;
// every rule (grades, overdue, time left, exceedance multiple, who may do what) is decided by the server.

const $ = (id) => document.getElementById(id);
const session = { token: sessionStorage.getItem("fc-token"), user: JSON.parse(sessionStorage.getItem("fc-user") || "null") };
let taskState = "";
// Records the console reads from the change log like any device (enterprises, townships, users,
// inspections): the API has no list of these, and the log is what the caller may see, scope-checked.
const replica = { cursor: 0, records: new Map() };
const isCommander = () => session.user?.role === "commander";

/** An element with children; strings become text nodes (never HTML). */
function el(tag, attrs = {}, ...kids) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === "on") for (const [ev, fn] of Object.entries(v)) node.addEventListener(ev, fn);
    else if (v !== undefined && v !== null && v !== false) node.setAttribute(k, v === true ? "" : v);
  }
  for (const kid of kids.flat()) if (kid != null) node.append(kid instanceof Node ? kid : String(kid));
  return node;
}
const both = (t) => (t ? [t.zh, el("span", { class: "en" }, t.en)] : "");
const when = (iso) => (iso ? new Date(iso).toLocaleString("zh-CN", { hour12: false }) : "—");

/** "剩余 3小时5分 / 3 h 5 min left", or overdue by as much; from the server's seconds_left. */
function left(seconds) {
  if (seconds == null) return null;
  const s = Math.abs(seconds), d = Math.floor(s / 86400), h = Math.floor((s % 86400) / 3600), m = Math.floor((s % 3600) / 60);
  const zh = d ? `${d}天${h}小时` : h ? `${h}小时${m}分` : `${m}分钟`;
  const en = d ? `${d} d ${h} h` : h ? `${h} h ${m} min` : `${m} min`;
  return seconds < 0
    ? el("span", { class: "sub late" }, `已逾期 ${zh}`, el("span", { class: "en" }, `overdue by ${en}`))
    : el("span", { class: seconds < 3600 ? "sub soon" : "sub" }, `剩余 ${zh}`, el("span", { class: "en" }, `${en} left`));
}

async function api(path, body) {
  const init = { headers: { Authorization: `Bearer ${session.token}` } };
  if (body !== undefined) {
    Object.assign(init, { method: "POST", body: JSON.stringify(body) });
    init.headers["Content-Type"] = "application/json";
  }
  const r = await fetch(path, init);
  if (r.status === 401) { signOut(); throw new Error("请重新登录 / please sign in again"); }
  const text = await r.text();
  const data = text ? JSON.parse(text) : null;
  if (!r.ok) throw new Error((data && data.message) || `HTTP ${r.status}`);
  return data;
}

/** Sends an intent, then reloads the board from the server. */
async function act(path, body) {
  $("error").textContent = "";
  try { await api(path, body); } catch (e) { $("error").textContent = e.message; }
  await load();
}

function alarmRow(a) {
  const actions = el("div", { class: "actions" });
  if (a.actions.includes("grade")) {
    // What the chosen grade sets in motion, as the server describes it (three-level linkage).
    const hint = el("span", { class: "sub linkage" });
    const pick = el("select", { "aria-label": "等级 level" },
      a.grades.map((g) => el("option", { value: g.level, selected: g.level === a.level }, `${g.label.zh} ${g.label.en}`)));
    const explain = () => {
      const g = a.grades.find((x) => x.level === pick.value);
      hint.replaceChildren(...(g ? both(g.linkage) : []));
    };
    pick.addEventListener("change", explain);
    explain();
    actions.append(pick, el("button", { on: { click: () => act(`/v1/alarms/${a.id}/grade`, { level: pick.value }) } },
      "研判", el("span", { class: "en" }, "grade")), hint);
  }
  if (a.actions.includes("dispatch"))
    actions.append(el("button", { "data-action": "dispatch", on: { click: () => act(`/v1/alarms/${a.id}/dispatch`, {}) } },
      "派单", el("span", { class: "en" }, "dispatch")));
  if (a.actions.includes("close"))
    actions.append(el("button", { class: "light", on: { click: () => {
      const feedback = prompt("办结说明 / closing note", "");
      if (feedback !== null) act(`/v1/alarms/${a.id}/close`, { feedback });
    } } }, "办结", el("span", { class: "en" }, "close")));
  actions.append(el("button", { class: "light", on: { click: () => timeline("alarms", a.id, `${a.enterprise_name} · ${a.pollutant}`) } },
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

function taskRow(t) {
  return el("tr", { "data-id": t.id, class: t.overdue ? "overdue" : null },
    el("td", {}, t.enterprise_name),
    el("td", {}, t.requirement),
    el("td", {}, el("span", { class: `pill level-${t.severity}` }, both(t.severity_label))),
    el("td", {}, el("span", { class: `pill state-${t.state}` }, both(t.state_label))),
    el("td", { class: t.overdue ? "deadline late" : "deadline" }, when(t.deadline), left(t.seconds_left)),
    el("td", {}, el("button", { class: "light", on: { click: () => timeline("tasks", t.id, t.enterprise_name) } },
      "时间线", el("span", { class: "en" }, "timeline"))));
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

function deviceRow(d) {
  // The server measures received − sent: a device clock running ahead shows as a negative skew.
  const skew = d.clock_skew_ms == null ? "—" : `${(d.clock_skew_ms / 1000).toFixed(1)} s`;
  return el("tr", {},
    el("td", {}, d.user_name, el("span", { class: "sub" }, d.user_login)),
    el("td", {}, el("code", {}, d.id), d.revoked_at ? el("span", { class: "sub late" }, "已吊销 revoked") : null),
    el("td", {}, when(d.last_seen)),
    el("td", { class: "num" }, skew),
    el("td", {}, when(d.expires_at)));
}

/** The key a record has in the change log (a submitted inspection keeps its id one level down). */
const recordId = (entity, data) => (entity === "inspection" ? data.inspection.id : data.id);

/** Pulls the change log from where the replica stands to its end, one pull at a time (a second caller
 * waits for the first, so changes are applied in log order). */
function syncReplica() {
  replica.pulling = (replica.pulling || Promise.resolve()).catch(() => {}).then(pullReplica);
  return replica.pulling;
}

/** One pass over the change log; a reset starts the replica over. */
async function pullReplica() {
  for (let page = 0; page < 1000; page++) {
    const r = await api(`/v1/sync/pull?protocol=1&limit=1000&cursor=${replica.cursor}`);
    if (r.reset) { replica.records.clear(); replica.cursor = 0; continue; }
    for (const c of r.changes) {
      if (c.op === "upsert") replica.records.set(`${c.record.entity}:${recordId(c.record.entity, c.record.data)}`, c.record.data);
      else if (c.op === "delete") replica.records.delete(`${c.entity}:${c.id}`);
    }
    replica.cursor = r.cursor;
    if (!r.has_more) return;
  }
}

function records(entity) {
  const out = [];
  for (const [key, data] of replica.records) if (key.startsWith(`${entity}:`)) out.push(data);
  return out;
}
const byId = (entity) => new Map(records(entity).map((x) => [x.id, x]));

function inspectionRow(sub, enterprises, townships) {
  const i = sub.inspection;
  const e = enterprises.get(i.enterprise);
  const photos = sub.evidence?.chain?.entries?.length ?? 0;
  const name = e ? e.name : i.enterprise;
  return el("tr", { "data-id": i.id },
    el("td", {}, name, el("span", { class: "sub" }, townships.get(e?.township)?.name ?? "")),
    el("td", {}, when(i.ended_at || i.started_at)),
    el("td", {}, i.inspectors.map((x) => x.name).join("、") || "—"),
    el("td", { class: "summary" }, i.summary || "—"),
    el("td", { class: "num" }, photos),
    el("td", {}, photos ? el("button", { class: "light", "data-action": "photos",
      on: { click: () => showPhotos(i.id, name) } }, "照片", el("span", { class: "en" }, "photos")) : null));
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

function enterpriseRow(e, townships) {
  const here = townships.get(e.township);
  let move = null;
  if (isCommander()) {
    const pick = el("select", { "aria-label": "迁入乡镇 township to move to" },
      [...townships.values()].sort((a, b) => a.code.localeCompare(b.code))
        .map((t) => el("option", { value: t.id, selected: t.id === e.township }, t.name)));
    move = el("div", { class: "actions" }, pick, el("button", { class: "light", "data-action": "move", on: { click: () => {
      const to = townships.get(pick.value);
      if (!to || to.id === e.township) return;
      if (confirm(`将 ${e.name} 从 ${here?.name ?? "?"} 迁至 ${to.name}？\nMove this enterprise to ${to.name}?`))
        act(`/v1/enterprises/${e.id}/move`, { township: to.id });
    } } }, "迁移乡镇", el("span", { class: "en" }, "Move township")));
  }
  return el("tr", { "data-id": e.id },
    el("td", {}, e.name, el("span", { class: "sub" }, e.address)),
    el("td", {}, el("code", {}, e.credit_code)),
    el("td", { class: "township" }, here?.name ?? "—"),
    el("td", {}, move));
}

/** Inspections and enterprises, from the replica. */
async function loadRecords() {
  try {
    await syncReplica();
  } catch (e) {
    for (const id of ["inspections", "enterprises"]) {
      const cols = $(id).closest("table").querySelectorAll("th").length;
      $(id).replaceChildren(el("tr", {}, el("td", { colspan: cols, class: "error" }, e.message)));
      count(`n-${id}`, "!", true);
    }
    return;
  }
  const townships = byId("township"), enterprises = byId("enterprise");
  const submitted = records("inspection").filter((s) => s.inspection.state === "submitted")
    .sort((a, b) => String(b.inspection.ended_at).localeCompare(String(a.inspection.ended_at)));
  fill("inspections", submitted, (s) => inspectionRow(s, enterprises, townships));
  count("n-inspections", submitted.length, false);
  const words = $("enterprise-filter").value.trim();
  const all = [...enterprises.values()].sort((a, b) => a.name.localeCompare(b.name, "zh-CN"));
  const shown = words ? all.filter((e) => e.name.includes(words) || e.credit_code.includes(words)
    || (townships.get(e.township)?.name ?? "").includes(words)) : all;
  fill("enterprises", shown, (e) => enterpriseRow(e, townships));
  count("n-enterprises", all.length, false);
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
  const query = taskState ? `?state=${encodeURIComponent(taskState)}` : "";
  const [, all] = await Promise.all([
    section("alarms", "/v1/alarms?open=true", alarmRow),
    api("/v1/tasks").catch(() => null),
    section("tasks", `/v1/tasks${query}`, taskRow),
    section("conflicts", "/v1/conflicts", conflictRow, (c) => [c.filter((x) => x.actions.length).length, false]),
    section("devices", "/v1/devices", deviceRow, (d) => [d.length, false]),
    loadRecords(),
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
  if (!signedIn) $("timeline").hidden = $("photos").hidden = true;
}

function signOut() {
  sessionStorage.clear();
  session.token = session.user = null;
  taskState = "";
  replica.cursor = 0;
  replica.records.clear();
  replica.pulling = null;
  for (const id of ["alarms", "tasks", "conflicts", "devices", "inspections", "enterprises"]) $(id).replaceChildren();
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
    await load();
  } catch (e) { $("login-error").textContent = e.message; }
});

for (const tab of document.querySelectorAll("[data-tab]"))
  tab.addEventListener("click", () => {
    for (const t of document.querySelectorAll("[data-tab]")) t.classList.toggle("on", t === tab);
    for (const p of document.querySelectorAll("[data-panel]")) p.hidden = p.dataset.panel !== tab.dataset.tab;
  });
$("signout").addEventListener("click", signOut);
$("refresh").addEventListener("click", load);
$("timeline-close").addEventListener("click", () => ($("timeline").hidden = true));
$("photos-close").addEventListener("click", () => { $("photos").hidden = true; photosOf = null; });
$("photos-request").addEventListener("click", requestOriginals);
$("enterprise-filter").addEventListener("input", () => loadRecords());
// The server's time left moves on; refresh the board every half minute.
setInterval(() => session.token && load(), 30000);
show(Boolean(session.token));
if (session.token) load();
