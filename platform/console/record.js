// An inspection's whole record in a drawer (`GET /v1/inspections/{id}/record`): checklists with each
// item's answer, findings with their legal basis, the evidence chain's verification, the audit trail, and
// the signed record PDF (`/v1/inspections/{id}/record.pdf`, fetched with the session's token).

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

/** Opens the drawer with inspection `id`'s record. @param {string} id */
export async function showRecord(id) {
  const body = $("record-body");
  $("record-error").textContent = "";
  body.replaceChildren();
  $("record").hidden = false;
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
      part("审计记录 audit trail", r.audit
        ? el("ol", { class: "audit" }, r.audit.map((a) => el("li", {}, el("div", { class: "when" }, when(a.at), " · ", a.user_name),
          el("strong", {}, a.to_label ? both(a.to_label) : a.action), a.note ? el("div", { class: "note" }, a.note) : null)))
        : el("p", { class: "muted" }, "无权查看 not permitted")));
  } catch (err) {
    $("record-error").textContent = err instanceof Error ? err.message : String(err);
  }
}

/** Downloads `path` with the session's token (a plain link could not send it). @param {string} path @param {string} name */
async function download(path, name) {
  $("record-error").textContent = "";
  const r = await fetch(path, { headers: { Authorization: `Bearer ${session.token}` } });
  if (!r.ok) {
    const body = await r.json().catch(() => null);
    $("record-error").textContent = body?.message || `HTTP ${r.status}`;
    return;
  }
  const url = URL.createObjectURL(await r.blob());
  const a = el("a", { href: url, download: name });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}
