// A record's whole story in a drawer. An inspection (`GET /v1/inspections/{id}/record`): checklists with each
// item's answer, findings with their legal basis, the evidence chain's verification, the audit trail, and
// the signed record PDF (`/v1/inspections/{id}/record.pdf`, fetched with the session's token). An alarm or a
// task (`/v1/{alarms,tasks}/{id}/record`): its steps as a timeline with their photos (the watermarked
// renditions), the verification of each sealed set of photos, the audit trail, and the records it links to
// (alarm → inspection → task → order), each opening in the same drawer, with their PDFs.

import { $, el, both, when } from "./dom.js";
import { api, session } from "./api.js";

/** @typedef {import("./dom.js").Text} Text */
/** @typedef {{ value: unknown, note?: string, answered_at: string }} Answer */
/** @typedef {{ code: string, text: Text, legal_basis: string[], answer: Answer | null }} Item */
/** @typedef {{ id: string, version: number, title: Text | null, items: Item[] }} Checklist */
/** @typedef {{ id: string, description: string, legal_basis: string[], severity_label: Text, deadline_days?: number | null }} Finding */
/** @typedef {{ at: string, user_name: string, action: string, to_state: string | null, to_label?: Text | null, note: string }} Entry */
/** @typedef {{ inspection: { id: string, summary: string, started_at: string | null, ended_at: string | null,
 *     inspectors: { name: string, certificate_no: string }[] },
 *   enterprise_name: string, township_name: string, checklists: Checklist[], findings: Finding[],
 *   tasks: { id: string, requirement: string, deadline: string }[],
 *   evidence: { photos: number, verified: boolean, countersigned_at: string | null, sealed_by_device: string, sealed_at: string } | null,
 *   audit: Entry[] | null }} InspectionRecord */

/** An answer in words: a yes/no, a number with its unit, a date, or the stored value as it is.
 * @param {unknown} value */
function answerText(value) {
  if (value && typeof value === "object") {
    const v = /** @type {Record<string, unknown>} */ (value);
    if ("compliant" in v) return v.compliant ? "符合 compliant" : "不符合 not compliant";
    return Object.entries(v).filter(([k]) => k !== "kind").map(([, x]) => (typeof x === "object" ? JSON.stringify(x) : String(x))).join(" ");
  }
  return String(value);
}

/** @param {string} title @param {...(Node | string | null)} kids */
const part = (title, ...kids) => el("section", { class: "record-part" }, el("h3", {}, title), ...kids);

/** @typedef {{ evidence: string, original: string, rendition: { sha256: string, len: number }, taken_at?: string }} Photo */
/** @typedef {{ step: string, label: Text, at: string, by: string, note: string, photos?: Photo[] }} Step */
/** @typedef {{ kind: string, id: string, title: string, state_label: Text | null, pdf: string | null }} Link */
/** @typedef {{ alarm: { id: string, enterprise_name: string, township_name: string, squadron_name: string | null,
 *     pollutant: string, monitoring_point: string, value: number, limit: number, unit: string, exceedance_shown: string | null,
 *     raised_at: string, respond_by: string, kind_label: Text, level: string, level_label: Text, state: string, state_label: Text,
 *     averaging_label: Text },
 *   limit_hours: number, within_limit: boolean | null, steps: Step[], links: Link[], audit: Entry[] | null }} AlarmRecord */
/** @typedef {{ task: { id: string, enterprise_name: string, requirement: string, deadline: string, issued_at: string,
 *     severity: string, severity_label: Text, state: string, state_label: Text, overdue: boolean, case_review: boolean },
 *   township_name: string, order_pdf: string, steps: Step[], links: Link[], audit: Entry[] | null }} TaskRecord */

const KINDS = {
  inspection: { zh: "检查记录", en: "inspection" },
  alarm: { zh: "报警记录", en: "alarm" },
  task: { zh: "整改任务", en: "rectification task" },
  enterprise: { zh: "企业", en: "enterprise" },
};

/** Opens the drawer with the record of `kind` (`inspection`, `alarm`, `task`) `id`.
 * @param {string} kind @param {string} id */
export async function showRecord(kind, id) {
  const body = $("record-body");
  $("record-error").textContent = "";
  body.replaceChildren();
  $("record").hidden = false;
  $("record").dataset.kind = kind;
  $("record").dataset.id = id;
  for (const url of shown.splice(0)) URL.revokeObjectURL(url);
  if (kind === "alarm") return showAlarm(id);
  if (kind === "task") return showTask(id);
  if (kind === "enterprise") return showEnterprise(id);
  try {
    /** @type {InspectionRecord} */
    const r = await api(`/v1/inspections/${id}/record`);
    const i = r.inspection;
    $("record-title").replaceChildren("检查记录 ", el("span", { class: "en" }, "record"), " · ", r.enterprise_name);
    const pdf = el("button", { class: "light", "data-action": "record-pdf" }, "下载笔录 PDF", el("span", { class: "en" }, "record PDF"));
    pdf.addEventListener("click", () => download(`/v1/inspections/${id}/record.pdf`, `inspection-${id}.pdf`));
    const e = r.evidence;
    body.append(
      el("div", { class: "actions" }, pdf),
      el("p", {}, `${r.township_name} · ${when(i.started_at)} – ${when(i.ended_at)}`,
        el("span", { class: "sub" }, i.inspectors.map((p) => `${p.name}（${p.certificate_no}）`).join("、"))),
      el("p", { class: "summary" }, i.summary || "—"),
      part("关联记录 linked records", links(r.tasks.map((t) => ({ kind: "task", id: t.id, title: t.requirement, state_label: null,
        pdf: `/v1/tasks/${t.id}/order.pdf` })))),
      part("证据链 evidence chain", e
        ? el("p", { class: e.verified ? "verified" : "late", "data-verified": String(e.verified) },
          e.verified ? `✓ 已验证并由平台副署 verified, countersigned ${when(e.countersigned_at)}` : "✗ 未验证 not verified",
          el("span", { class: "sub" }, `${e.photos} 张照片 photos · 设备 device ${e.sealed_by_device} · ${when(e.sealed_at)}`))
        : el("p", { class: "muted" }, "无照片 no photos")),
      ...r.checklists.map((c) => part(c.title ? `${c.title.zh} ${c.title.en}` : c.id,
        el("ol", { class: "items" }, c.items.map((it) => el("li", { "data-item": it.code },
          el("b", {}, it.code), " ", both(it.text),
          el("div", { class: it.answer ? "answer" : "answer muted" }, it.answer ? answerText(it.answer.value) : "未作答 not answered",
            it.answer?.note ? el("span", { class: "sub" }, it.answer.note) : null),
          it.legal_basis.length ? el("span", { class: "sub legal" }, `依据 ${it.legal_basis.join("；")}`) : null))))),
      part("发现问题 findings", r.findings.length
        ? el("ol", {}, r.findings.map((f) => el("li", { class: "finding" }, el("span", { class: "pill" }, both(f.severity_label)), " ",
          f.description, el("span", { class: "sub legal" }, `依据 ${f.legal_basis.join("；") || "—"}`))))
        : el("p", { class: "muted" }, "无 none")),
      auditPart(r.audit));
  } catch (err) {
    $("record-error").textContent = err instanceof Error ? err.message : String(err);
  }
}

/** @param {Entry[] | null} audit */
const auditPart = (audit) => part("审计记录 audit trail", audit
  ? el("ol", { class: "audit" }, audit.map((a) => el("li", {}, el("div", { class: "when" }, when(a.at), " · ", a.user_name),
    el("strong", {}, a.to_label ? both(a.to_label) : a.action), " ", el("span", { class: "en" }, `(${a.action})`),
    a.note ? el("div", { class: "note" }, a.note) : null)))
  : el("p", { class: "muted" }, "无权查看 not permitted"));

/** Object URLs of the photos shown, let go when the drawer shows another record. @type {string[]} */
const shown = [];

/** A photo's watermarked rendition, fetched with the session's token. @param {Photo} p */
function photo(p) {
  const img = el("img", { alt: `照片 photo ${p.evidence}`, "data-evidence": p.evidence, loading: "lazy" });
  fetch(`/v1/blobs/${p.rendition.sha256}/content`, { headers: { Authorization: `Bearer ${session.token}` } })
    .then(async (r) => {
      if (!r.ok) throw new Error(`HTTP ${r.status}`);
      const url = URL.createObjectURL(await r.blob());
      shown.push(url);
      img.src = url;
    })
    .catch(() => img.replaceWith(el("span", { class: "photo-missing" }, "照片未上传 not uploaded yet")));
  return el("figure", { class: "photo" }, img, el("figcaption", {}, p.taken_at ? when(p.taken_at) : ""));
}

/** The steps as a timeline; a step past a limit stands out. @param {Step[]} steps */
function timeline(steps) {
  return el("ol", { class: "steps" }, steps.map((s) => el("li", { "data-step": s.step, class: `step step-${s.step}` },
    el("div", { class: "when" }, when(s.at), s.by ? ` · ${s.by}` : ""),
    el("strong", {}, both(s.label)),
    s.note ? el("div", { class: "note" }, s.note) : null,
    s.photos?.length ? el("div", { class: "photos" }, s.photos.map(photo)) : null)));
}

/** Links to other records (each opens here) with their PDFs. @param {Link[]} list */
function links(list) {
  if (!list.length) return el("p", { class: "muted" }, "无 none");
  return el("ul", { class: "links" }, list.map((l) => el("li", { "data-link": l.kind },
    el("button", { class: "light", "data-open": `${l.kind}:${l.id}`, on: { click: () => showRecord(l.kind, l.id) } },
      KINDS[/** @type {keyof typeof KINDS} */ (l.kind)]?.zh ?? l.kind, el("span", { class: "en" }, KINDS[/** @type {keyof typeof KINDS} */ (l.kind)]?.en ?? "")),
    " ", l.title, l.state_label ? el("span", { class: "pill" }, both(l.state_label)) : null,
    l.pdf ? pdfButton(l.pdf, `${l.kind}-${l.id}.pdf`, l.kind === "task" ? "整改通知书 PDF" : "笔录 PDF") : null)));
}

/** @param {string} path @param {string} name @param {string} label */
function pdfButton(path, name, label) {
  const b = el("button", { class: "light", "data-action": "pdf", "data-pdf": path }, label);
  b.addEventListener("click", () => download(path, name));
  return b;
}

/** The verification of each sealed set of photos, from the steps. @param {Step[]} steps */
function chain(steps) {
  const sealed = steps.filter((s) => s.step === "countersigned");
  const cited = steps.some((s) => s.photos?.length);
  if (!sealed.length) return el("p", { class: "muted", "data-verified": cited ? "false" : "none" }, cited ? "✗ 未验证 not verified" : "无照片 no photos");
  return el("div", {}, sealed.map((s) => el("p", { class: "verified", "data-verified": "true" },
    `✓ 已验证并由平台副署 verified, countersigned ${when(s.at)}`, el("span", { class: "sub" }, s.note))));
}

/** @param {string} id */
async function showAlarm(id) {
  try {
    /** @type {AlarmRecord} */
    const r = await api(`/v1/alarms/${id}/record`);
    const a = r.alarm;
    $("record-title").replaceChildren("报警记录 ", el("span", { class: "en" }, "alarm"), " · ", a.enterprise_name);
    const limit = r.within_limit === true ? el("span", { class: "verified" }, "✓ 时限内到场 on site within the limit")
      : r.within_limit === false ? el("span", { class: "late" }, "✗ 超过响应时限 past the response limit")
      : el("span", { class: "soon" }, "响应中 within the limit so far");
    $("record-body").append(
      el("div", { class: "facts" },
        el("span", { class: `pill level-${a.level}` }, both(a.level_label)), " ",
        el("span", { class: `pill state-${a.state}` }, both(a.state_label)),
        el("p", {}, `${a.township_name} · ${a.monitoring_point} · ${a.pollutant} `, both(a.kind_label)),
        el("p", { class: "big" }, `${a.value} / ${a.limit} ${a.unit}`, a.exceedance_shown ? ` · 超标 ${a.exceedance_shown} 倍` : "",
          el("span", { class: "sub" }, both(a.averaging_label))),
        el("p", { "data-within-limit": String(r.within_limit) }, `响应时限 ${r.limit_hours} 小时（${when(a.respond_by)} 前） `, limit,
          a.squadron_name ? el("span", { class: "sub" }, `派至 ${a.squadron_name}`) : null)),
      part("处置过程 timeline", timeline(r.steps)),
      part("照片证据链 photo evidence", chain(r.steps)),
      part("关联记录 linked records", links(r.links)),
      auditPart(r.audit));
  } catch (err) {
    $("record-error").textContent = err instanceof Error ? err.message : String(err);
  }
}

/** @param {string} id */
async function showTask(id) {
  try {
    /** @type {TaskRecord} */
    const r = await api(`/v1/tasks/${id}/record`);
    const t = r.task;
    $("record-title").replaceChildren("整改任务 ", el("span", { class: "en" }, "rectification task"), " · ", t.enterprise_name);
    $("record-body").append(
      el("div", { class: "actions" }, pdfButton(r.order_pdf, `order-${id}.pdf`, "下载整改通知书 PDF")),
      el("div", { class: "facts" },
        el("span", { class: `pill level-${t.severity}` }, both(t.severity_label)), " ",
        el("span", { class: `pill state-${t.state}` }, both(t.state_label)),
        t.case_review ? el("span", { class: "pill level-serious" }, "立案审查 case review") : null,
        el("p", { class: "big" }, t.requirement),
        el("p", { class: t.overdue ? "late" : "" }, `${r.township_name} · 下发 ${when(t.issued_at)} · 期限 ${when(t.deadline)}`,
          t.overdue ? " · 已逾期 overdue" : "")),
      part("整改过程 timeline", timeline(r.steps)),
      part("照片证据链 photo evidence", chain(r.steps)),
      part("关联记录 linked records", links(r.links)),
      auditPart(r.audit));
  } catch (err) {
    $("record-error").textContent = err instanceof Error ? err.message : String(err);
  }
}

/** @typedef {{ term: string, label: Text, unit: string, raw: number, weight: number, cap: number, contribution: number }} RiskTerm */
/** @typedef {{ enterprise: string, name: string, credit_code: string, township_name: string, classes: { label: Text }[],
 *   last_visit: string | null, risk: number, green: number, terms: RiskTerm[] }} EnterpriseRisk */
/** @typedef {{ id: string, state: string, state_label: Text, pollutant?: string, requirement?: string, raised_at?: string, deadline?: string }} OpenRow */

/** An enterprise: who it is, its risk index term by term, and its open alarms and tasks (each opening here).
 * @param {string} id */
async function showEnterprise(id) {
  try {
    /** @type {[EnterpriseRisk, { rows: OpenRow[] }, { rows: OpenRow[] }]} */
    const [r, alarms, tasks] = await Promise.all([api(`/v1/enterprises/${id}/risk`),
      api(`/v1/lists/alarms?enterprise=${id}&state=raised,dispatched,on_site`), api(`/v1/lists/tasks?enterprise=${id}`)]);
    $("record-title").replaceChildren("企业 ", el("span", { class: "en" }, "enterprise"), " · ", r.name);
    const open = [
      ...alarms.rows.map((a) => ({ kind: "alarm", id: a.id, title: `${a.pollutant ?? ""} ${when(a.raised_at ?? null)}`, state_label: a.state_label, pdf: null })),
      ...tasks.rows.filter((t) => t.state !== "accepted").map((t) => ({ kind: "task", id: t.id, title: t.requirement ?? "",
        state_label: t.state_label, pdf: `/v1/tasks/${t.id}/order.pdf` })),
    ];
    $("record-body").append(
      el("div", { class: "facts" },
        el("p", {}, `${r.township_name} · 统一社会信用代码 ${r.credit_code}`),
        el("p", {}, ...(r.classes.length ? r.classes.map((c) => el("span", { class: "pill" }, both(c.label))) : ["—"])),
        el("p", { class: "big" }, `风险指数 risk ${r.risk.toFixed(2)} · 绿色指数 green ${r.green.toFixed(2)}`,
          el("span", { class: "sub" }, `上次检查 last inspected ${when(r.last_visit)}`))),
      part("风险逐项 risk terms", el("table", { class: "terms" }, el("tbody", {}, ...r.terms.map((t) => el("tr", { "data-term": t.term },
        el("td", {}, ...both(t.label)), el("td", { class: "num" }, `${t.raw} ${t.unit}`), el("td", { class: "num" }, t.contribution.toFixed(2))))))),
      part("未办结记录 open records", links(open)));
  } catch (err) {
    $("record-error").textContent = err instanceof Error ? err.message : String(err);
  }
}

/** Downloads `path` with the session's token (a plain link could not send it); a refusal is shown in `error`.
 * @param {string} path @param {string} name @param {HTMLElement} [error] @returns {Promise<boolean>} */
export async function download(path, name, error = $("record-error")) {
  error.textContent = "";
  const r = await fetch(path, { headers: { Authorization: `Bearer ${session.token}` } }).catch(() => null);
  if (!r?.ok) {
    const body = await r?.json().catch(() => null);
    error.textContent = body?.message || (r ? `HTTP ${r.status}` : "网络错误 network error");
    return false;
  }
  const url = URL.createObjectURL(await r.blob());
  const a = el("a", { href: url, download: name });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
  return true;
}
