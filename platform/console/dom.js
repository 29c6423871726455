// Small DOM helpers every view uses: elements built from data (text only, never HTML), bilingual labels.

/** @typedef {{ zh: string, en: string }} Text */
/** @typedef {string | number | Node | null | undefined | false} Kid */
/** @typedef {Record<string, string | number | boolean | null | undefined | Record<string, EventListener>>} Attrs */

/** @param {string} id */
export function $(id) {
  const node = document.getElementById(id);
  if (!node) throw new Error(`#${id} is missing from the page`);
  return node;
}

/** An element with children; strings become text nodes (never HTML).
 * @template {keyof HTMLElementTagNameMap} K
 * @param {K} tag @param {Attrs} [attrs] @param {...(Kid | Kid[])} kids
 * @returns {HTMLElementTagNameMap[K]} */
export function el(tag, attrs = {}, ...kids) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === "on" && v && typeof v === "object") for (const [ev, fn] of Object.entries(v)) node.addEventListener(ev, fn);
    else if (v !== undefined && v !== null && v !== false) node.setAttribute(k, v === true ? "" : String(v));
  }
  for (const kid of kids.flat()) if (kid != null && kid !== false) node.append(kid instanceof Node ? kid : String(kid));
  return node;
}

/** Chinese, then English in grey. @param {Text | null | undefined} t @returns {(string | HTMLElement)[]} */
export const both = (t) => (t ? [t.zh, el("span", { class: "en" }, t.en)] : []);

/** @param {string | null | undefined} iso */
export const when = (iso) => (iso ? new Date(iso).toLocaleString("zh-CN", { hour12: false }) : "—");

/** "剩余 3小时5分 / 3 h 5 min left", or overdue by as much; from the server's seconds_left.
 * @param {number | null | undefined} seconds */
export function left(seconds) {
  if (seconds == null) return null;
  const s = Math.abs(seconds), d = Math.floor(s / 86400), h = Math.floor((s % 86400) / 3600), m = Math.floor((s % 3600) / 60);
  const zh = d ? `${d}天${h}小时` : h ? `${h}小时${m}分` : `${m}分钟`;
  const en = d ? `${d} d ${h} h` : h ? `${h} h ${m} min` : `${m} min`;
  return seconds < 0
    ? el("span", { class: "sub late" }, `已逾期 ${zh}`, el("span", { class: "en" }, `overdue by ${en}`))
    : el("span", { class: seconds < 3600 ? "sub soon" : "sub" }, `剩余 ${zh}`, el("span", { class: "en" }, `${en} left`));
}

/** A table body's one row saying there is nothing (or what went wrong).
 * @param {HTMLElement} body @param {string} [error] */
export function empty(body, error) {
  const cols = body.closest("table")?.querySelectorAll("th").length ?? 1;
  const cell = error ? el("td", { colspan: cols, class: "error" }, error)
    : el("td", { colspan: cols, class: "muted empty" }, "暂无 ", el("span", { class: "en" }, "none"));
  body.replaceChildren(el("tr", {}, cell));
}

/** A choice in a row that live updates redraw: the select starts at what the reader last picked for that row
 * (kept in `chosen` across redraws), else at `current`, so a redraw never undoes a pick about to be acted on.
 * @param {string} id @param {string} current @param {{ value: string, label: string }[]} options
 * @param {Map<string, string>} chosen @param {string} label */
export function rowChoice(id, current, options, chosen, label) {
  const start = chosen.get(id) ?? current;
  const pick = el("select", { "aria-label": label },
    options.map((o) => el("option", { value: o.value, selected: o.value === start }, o.label)));
  pick.addEventListener("change", () => chosen.set(id, pick.value));
  return pick;
}
