// Enterprises: filtered (township, squadron, text) and paged by the server (`/v1/lists/enterprises`); the
// command centre moves one to another township from its row.

import { $, el, rowChoice } from "./dom.js";
import { list } from "./api.js";

/** @typedef {{ id: string, name: string, code: string }} Township */
/** @typedef {{ id: string, name: string, credit_code: string, township: string, township_name: string,
 *   address: string, actions: string[] }} EnterpriseRow */
/** @typedef {{ act: (path: string, body: unknown) => Promise<void>, townships: () => Township[] }} Deps */

export const PAGE = 50;

/** @param {Deps} deps */
export function enterprisesView(deps) {
  let offset = 0;
  // Only the newest request's answer is drawn (an older one may arrive after it).
  let latest = 0;
  // The township a reader picked in a row, kept while live updates redraw the list.
  const chosen = new Map();
  const township = el("select", { name: "township", "aria-label": "乡镇 township" }, el("option", { value: "" }, "全部乡镇 all townships"));
  const text = /** @type {HTMLInputElement} */ ($("enterprise-filter"));
  $("enterprise-filters").prepend(township);
  const reset = () => { offset = 0; load(); };
  township.addEventListener("change", reset);
  text.addEventListener("input", reset);
  const prev = el("button", { class: "light", "data-page": "prev" }, "上一页", el("span", { class: "en" }, "prev"));
  const next = el("button", { class: "light", "data-page": "next" }, "下一页", el("span", { class: "en" }, "next"));
  const where = el("span", { class: "muted", id: "enterprise-range" });
  prev.addEventListener("click", () => { offset = Math.max(0, offset - PAGE); load(); });
  next.addEventListener("click", () => { offset += PAGE; load(); });
  $("enterprise-pager").replaceChildren(prev, where, next);

  /** @returns {Promise<number | null | undefined>} the total matching (null: refused; undefined: superseded) */
  async function load() {
    const known = [...deps.townships()].sort((a, b) => a.code.localeCompare(b.code));
    if (township.options.length === 1) for (const t of known) township.append(el("option", { value: t.id }, t.name));
    const body = $("enterprises");
    try {
      const mine = ++latest;
      const page = await list("enterprises", { township: township.value, q: text.value.trim(), limit: PAGE, offset });
      if (mine !== latest) return undefined;
      body.replaceChildren(...page.rows.map((e) => enterpriseRow(e, known, deps, chosen)));
      if (!page.rows.length) body.append(el("tr", {}, el("td", { colspan: 4, class: "muted empty" }, "暂无 none")));
      where.textContent = page.total ? `${offset + 1}–${offset + page.rows.length} / ${page.total}` : "0";
      prev.disabled = offset === 0;
      next.disabled = offset + page.rows.length >= page.total;
      return page.total;
    } catch (e) {
      body.replaceChildren(el("tr", {}, el("td", { colspan: 4, class: "error" }, e instanceof Error ? e.message : String(e))));
      return null;
    }
  }
  return { load };
}

/** @param {EnterpriseRow} e @param {Township[]} townships @param {Deps} deps @param {Map<string, string>} chosen */
function enterpriseRow(e, townships, deps, chosen) {
  let move = null;
  if (e.actions.includes("move_enterprise")) {
    const pick = rowChoice(e.id, e.township, townships.map((t) => ({ value: t.id, label: t.name })), chosen,
      "迁入乡镇 township to move to");
    move = el("div", { class: "actions" }, pick, el("button", { class: "light", "data-action": "move", on: { click: () => {
      const to = townships.find((t) => t.id === pick.value);
      if (!to || to.id === e.township) return;
      if (confirm(`将 ${e.name} 从 ${e.township_name} 迁至 ${to.name}？\nMove this enterprise to ${to.name}?`)) {
        chosen.delete(e.id);
        deps.act(`/v1/enterprises/${e.id}/move`, { township: to.id });
      }
    } } }, "迁移乡镇", el("span", { class: "en" }, "Move township")));
  }
  return el("tr", { "data-id": e.id },
    el("td", {}, e.name, el("span", { class: "sub" }, e.address)),
    el("td", {}, el("code", {}, e.credit_code)),
    el("td", { class: "township" }, e.township_name || "—"),
    el("td", {}, move));
}
