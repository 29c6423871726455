// The paperwork export (`GET /v1/exports/records.zip?month=YYYY-MM[&township=ID]`): a month of one township
// (or the whole county) as a zip of record and order PDFs with their evidence bundles. The server decides
// who may export what and says why when it refuses; the page shows that next to the button.

import { $, el } from "./dom.js";
import { download } from "./record.js";

/** @typedef {{ id: string, name: string }} Township */
/** @typedef {{ townships: () => Township[], isCommander: () => boolean }} Deps */

/** This month in China time, `YYYY-MM`. */
function thisMonth() {
  return new Date(Date.now() + 8 * 3600e3).toISOString().slice(0, 7);
}

/** @param {Deps} deps */
export function exportsView(deps) {
  const month = /** @type {HTMLInputElement} */ (el("input", { type: "month", name: "month", required: true, value: thisMonth(),
    "aria-label": "月份 month" }));
  const township = el("select", { name: "township", "aria-label": "乡镇 township" });
  const button = el("button", { type: "submit", "data-action": "export" }, "导出记录 (zip)", el("span", { class: "en" }, "export records"));
  const error = el("span", { class: "error", id: "export-error", role: "alert" });
  const status = el("span", { class: "muted", id: "export-status" });
  const form = el("form", { class: "filters export", id: "export-form" },
    el("strong", {}, "文书导出 ", el("span", { class: "en" }, "paperwork export")), month, township, button, status, error);
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    status.textContent = "";
    const q = new URLSearchParams({ month: month.value });
    if (township.value) q.set("township", township.value);
    button.disabled = true;
    status.textContent = "正在生成… preparing…";
    const ok = await download(`/v1/exports/records.zip?${q}`, `records-${month.value}${township.value ? `-${township.selectedOptions[0]?.textContent}` : ""}.zip`, error);
    status.textContent = ok ? "已下载 downloaded" : "";
    button.disabled = false;
  });

  /** Fills the township picker (the county only for the command centre) once the areas are known. */
  function load() {
    const chosen = township.value;
    const towns = deps.townships();
    township.replaceChildren(...(deps.isCommander() ? [el("option", { value: "" }, "全县 whole county")] : []),
      ...towns.map((t) => el("option", { value: t.id }, t.name)));
    if (chosen) township.value = chosen;
  }
  $("exports").replaceChildren(form);
  return { load };
}
