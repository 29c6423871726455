// Risk-based supervision: enterprises by risk index (a row opens its term-by-term explanation), the
// double-random draw (双随机) with its public re-run, past draws, and the patrol grids' coverage. Every
// figure comes from the server (`/v1/risk`, `/v1/draws`, `/v1/grids`); the page only lays them out.

import { $, el, both, when, empty } from "./dom.js";
import { api } from "./api.js";

/** @typedef {import("./dom.js").Text} Text */
/** @typedef {{ term: string, zh: string, en: string, unit: string, weight: number, cap: number }} TermRule */
/** @typedef {{ enterprise: string, name: string, township_name: string, classes: string[],
 *   last_visit: string | null, draw_weight: number, risk: number, green: number, terms: { raw: number, contribution: number }[] }} RiskRow */
/** @typedef {{ total: number, offset: number, limit: number, formula: TermRule[], classes: { class: string, label: Text }[],
 *   rows: RiskRow[] }} RiskPage */
/** @typedef {{ id: string, name: string, code: string }} Township */
/** @typedef {{ squadron: string, picks: { enterprise: string, weight: number, officers: string[] }[] }[]} DrawResult */
/** @typedef {{ id: string, drawn_at: string, due_by: string, input: { seed: string, squadrons: { count: number }[] },
 *   result: DrawResult, names?: Record<string, string> }} Draw */
/** @typedef {{ id: string, name: string, enterprises: string[] }} Grid */
/** @typedef {{ interval_days: number, visited: number, overdue: number, enterprises: { enterprise: string, name: string,
 *   last_visit: string | null, days_since: number | null, overdue: boolean }[] }} Coverage */

const fixed = (/** @type {number} */ n) => n.toFixed(2);
const message = (/** @type {unknown} */ e) => (e instanceof Error ? e.message : String(e));

/** Rows per page of the risk list. */
export const RISK_PAGE = 50;

/** @param {{ canDraw: () => boolean, townships: () => Township[] }} deps */
export function supervisionView(deps) {
  // The risk list: filtered by township and class and paged by the server (`/v1/risk`).
  let offset = 0;
  let latest = 0;
  // The rows whose terms are open, by enterprise: a reload (live updates, the minute's refresh) redraws the
  // table and must not close what the reader opened.
  const opened = new Set();
  const township = /** @type {HTMLSelectElement} */ (el("select", { name: "township", "aria-label": "乡镇 township" },
    el("option", { value: "" }, "全部乡镇 all townships")));
  const klass = /** @type {HTMLSelectElement} */ (el("select", { name: "class", "aria-label": "监管类别 class" },
    el("option", { value: "" }, "全部类别 all classes")));
  $("risk-filters").replaceChildren(township, klass);
  const reset = () => { offset = 0; loadRisk(); };
  township.addEventListener("change", reset);
  klass.addEventListener("change", reset);
  const prev = el("button", { class: "light", "data-page": "prev" }, "上一页", el("span", { class: "en" }, "prev"));
  const next = el("button", { class: "light", "data-page": "next" }, "下一页", el("span", { class: "en" }, "next"));
  const where = el("span", { class: "muted", id: "risk-range" });
  prev.addEventListener("click", () => { offset = Math.max(0, offset - RISK_PAGE); loadRisk(); });
  next.addEventListener("click", () => { offset += RISK_PAGE; loadRisk(); });
  $("risk-pager").replaceChildren(prev, where, next);

  const form = /** @type {HTMLFormElement} */ ($("draw-form"));
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const data = new FormData(form);
    const seed = String(data.get("seed") || "").trim();
    $("draw-error").textContent = "";
    try {
      const draw = await api("/v1/draws", { per_squadron: Number(data.get("per_squadron")), ...(seed ? { seed } : {}) });
      showDraw(draw);
      await loadDraws();
    } catch (e) { $("draw-error").textContent = message(e); }
  });
  const grid = /** @type {HTMLSelectElement} */ ($("grid-pick"));
  grid.addEventListener("change", () => loadCoverage(grid.value));

  /** The drawn enterprises and officer teams, squadron by squadron, in draw order.
   * @param {DrawResult} result @param {Record<string, string>} names */
  const picks = (result, names) => result.flatMap((s) => s.picks.map((p, i) => el("tr", { "data-enterprise": p.enterprise },
    el("td", {}, i === 0 ? names[s.squadron] ?? s.squadron : ""),
    el("td", {}, names[p.enterprise] ?? p.enterprise),
    el("td", { class: "num" }, p.weight),
    el("td", { class: "officers" }, p.officers.map((o) => names[o] ?? o).join("、")))));

  /** @param {Draw} draw */
  function showDraw(draw) {
    const names = draw.names ?? {};
    const verdict = el("span", { id: "draw-verdict" });
    const rerun = el("button", { class: "light", "data-action": "rerun", on: { click: async () => {
      verdict.textContent = "";
      try {
        /** @type {{ matches: boolean, recomputed: DrawResult }} */
        const v = await api(`/v1/draws/${draw.id}/verify`, {});
        $("draw-rerun").replaceChildren(...picks(v.recomputed, names));
        verdict.className = v.matches ? "pill state-accepted" : "pill level-serious";
        verdict.replaceChildren(...(v.matches ? both({ zh: "一致", en: "same result" }) : both({ zh: "不一致", en: "differs" })));
      } catch (e) { verdict.textContent = message(e); }
    } } }, "按记录重新抽取", el("span", { class: "en" }, "re-run from the record"));
    const head = () => el("thead", {}, el("tr", {}, ...[["中队", "squadron"], ["企业", "enterprise"], ["权重", "weight"],
      ["执法人员", "officers"]].map(([zh, en]) => el("th", {}, zh, el("br"), el("span", { class: "en" }, en)))));
    $("draw-result").replaceChildren(
      el("p", {}, `抽取于 ${when(draw.drawn_at)} · 期限 ${when(draw.due_by)}`, el("br"),
        "种子 ", el("span", { class: "en" }, "seed "), el("code", { id: "draw-seed" }, draw.input.seed)),
      el("table", {}, head(), el("tbody", { id: "draw-picks" }, ...picks(draw.result, names))),
      el("div", { class: "actions" }, rerun, verdict),
      el("table", {}, head(), el("tbody", { id: "draw-rerun" })));
  }

  async function loadRisk() {
    const body = $("risk");
    if (township.options.length === 1)
      for (const t of [...deps.townships()].sort((a, b) => a.code.localeCompare(b.code))) township.append(el("option", { value: t.id }, t.name));
    try {
      const mine = ++latest;
      const query = new URLSearchParams({ limit: String(RISK_PAGE), offset: String(offset) });
      if (township.value) query.set("township", township.value);
      if (klass.value) query.set("class", klass.value);
      /** @type {RiskPage} */
      const page = await api(`/v1/risk?${query}`);
      if (mine !== latest) return;
      if (klass.options.length === 1) for (const c of page.classes) klass.append(el("option", { value: c.class }, `${c.label.zh} ${c.label.en}`));
      const label = Object.fromEntries(page.classes.map((c) => [c.class, c.label]));
      body.replaceChildren(...page.rows.flatMap((r) => riskRow(r, page.formula, label, opened)));
      if (!page.rows.length) empty(body);
      where.textContent = page.total ? `${page.offset + 1}–${page.offset + page.rows.length} / ${page.total}` : "0 / 0";
      /** @type {HTMLButtonElement} */ (prev).disabled = page.offset === 0;
      /** @type {HTMLButtonElement} */ (next).disabled = page.offset + page.rows.length >= page.total;
    } catch (e) { empty(body, message(e)); }
  }

  async function loadDraws() {
    const body = $("draws");
    try {
      /** @type {Draw[]} */
      const draws = await api("/v1/draws");
      body.replaceChildren(...draws.map((d) => el("tr", { "data-id": d.id },
        el("td", {}, when(d.drawn_at)),
        el("td", {}, el("code", {}, `${d.input.seed.slice(0, 16)}…`)),
        el("td", { class: "num" }, d.result.reduce((n, s) => n + s.picks.length, 0)),
        el("td", {}, when(d.due_by)),
        el("td", {}, el("button", { class: "light", "data-action": "show-draw", on: { click: async () => {
          try { showDraw(await api(`/v1/draws/${d.id}`)); } catch (e) { $("draw-error").textContent = message(e); }
        } } }, "查看", el("span", { class: "en" }, "show"))))));
      if (!draws.length) empty(body);
    } catch (e) { empty(body, message(e)); }
  }

  async function loadGrids() {
    try {
      /** @type {Grid[]} */
      const grids = await api("/v1/grids");
      const current = grid.value;
      grid.replaceChildren(...grids.map((g) => el("option", { value: g.id, selected: g.id === current },
        `${g.name}（${g.enterprises.length}）`)));
      if (grids.length) await loadCoverage(grid.value);
      else empty($("coverage"));
    } catch (e) { empty($("coverage"), message(e)); }
  }

  /** @param {string} id */
  async function loadCoverage(id) {
    const body = $("coverage");
    try {
      /** @type {Coverage} */
      const c = await api(`/v1/grids/${id}/coverage`);
      $("coverage-summary").textContent =
        `已巡查 ${c.visited} · 逾期 ${c.overdue} · 周期 ${c.interval_days} 天 / visited ${c.visited}, overdue ${c.overdue}, every ${c.interval_days} days`;
      body.replaceChildren(...c.enterprises.map((e) => el("tr", { "data-id": e.enterprise, class: e.overdue ? "overdue" : null },
        el("td", {}, e.name),
        el("td", {}, when(e.last_visit)),
        el("td", { class: "num" }, e.days_since ?? "—"),
        el("td", {}, e.overdue ? el("span", { class: "pill level-serious" }, ...both({ zh: "逾期未巡", en: "overdue" }))
          : el("span", { class: "pill state-accepted" }, ...both({ zh: "已覆盖", en: "covered" }))))));
      if (!c.enterprises.length) empty(body);
    } catch (e) { empty(body, message(e)); }
  }

  /** Risk, draws and grids; the draw form only for the command centre. */
  async function load() {
    form.hidden = !deps.canDraw();
    await Promise.all([loadRisk(), loadDraws(), loadGrids()]);
  }
  return { load };
}

/** One enterprise's index, with its terms underneath when opened; a click opens or closes them (remembered in
 * `opened` so a redraw keeps them open), labelled from the page's formula.
 * @param {RiskRow} r @param {TermRule[]} formula @param {Record<string, Text>} classLabel @param {Set<string>} opened
 * @returns {HTMLElement[]} */
function riskRow(r, formula, classLabel, opened) {
  const row = el("tr", { "data-id": r.enterprise, class: "clickable", title: "逐项说明 explain" },
    el("td", {}, r.name, el("span", { class: "sub" }, r.township_name)),
    el("td", { class: "num risk" }, fixed(r.risk)),
    el("td", { class: "num green" }, fixed(r.green)),
    el("td", {}, r.classes.length ? r.classes.map((c) => el("span", { class: "pill" }, classLabel[c]?.zh ?? c)) : "—"),
    el("td", {}, when(r.last_visit)),
    el("td", { class: "num" }, r.draw_weight));
  const terms = () => el("tr", { class: "terms" }, el("td", { colspan: 6 }, el("table", {},
    el("thead", {}, el("tr", {}, ...[["项", "term"], ["原始值", "raw"], ["权重", "weight"], ["上限", "cap"], ["得分", "contribution"]]
      .map(([zh, en]) => el("th", {}, zh, el("br"), el("span", { class: "en" }, en))))),
    el("tbody", {}, ...r.terms.map((t, i) => el("tr", { "data-term": formula[i]?.term ?? "" },
      el("td", {}, ...both({ zh: formula[i]?.zh ?? "", en: formula[i]?.en ?? "" })),
      el("td", { class: "num" }, `${t.raw} ${formula[i]?.unit ?? ""}`),
      el("td", { class: "num" }, formula[i]?.weight ?? ""),
      el("td", { class: "num" }, formula[i]?.cap ?? ""),
      el("td", { class: "num" }, fixed(t.contribution)))),
      el("tr", { class: "total" }, el("td", { colspan: 4 }, "风险指数 = Σ min(原始值 × 权重, 上限)  risk = Σ min(raw × weight, cap)"),
        el("td", { class: "num" }, fixed(r.risk)))))));
  row.addEventListener("click", () => {
    const open = row.nextElementSibling;
    if (open?.classList.contains("terms")) { opened.delete(r.enterprise); return open.remove(); }
    opened.add(r.enterprise);
    row.after(terms());
  });
  return opened.has(r.enterprise) ? [row, terms()] : [row];
}
