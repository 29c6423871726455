// Live updates: the platform's server-sent events (`GET /v1/events`). An EventSource cannot send the bearer
// token, so each (re)connection first asks `POST /v1/events/ticket` for a short-lived ticket.

import { api, session } from "./api.js";

/** @typedef {{ cursor: number, entity: string, id: string, op: "upsert" | "delete" }} Change */

/** Listens while signed in; `onChange` gets each change the caller may see. Returns a stop function.
 * @param {(change: Change) => void} onChange @param {(on: boolean) => void} [onState] */
export function listen(onChange, onState = () => {}) {
  /** @type {EventSource | null} */
  let source = null;
  let stopped = false;
  /** @type {ReturnType<typeof setTimeout> | undefined} */
  let retry;
  const open = async () => {
    if (stopped || !session.token) return;
    try {
      const { ticket } = await api("/v1/events/ticket", {});
      if (stopped) return;
      source = new EventSource(`/v1/events?ticket=${encodeURIComponent(ticket)}`);
      source.addEventListener("open", () => onState(true));
      source.addEventListener("change", (ev) => onChange(JSON.parse(/** @type {MessageEvent} */ (ev).data)));
      // The ticket is short-lived: on any error start over with a new one (after a pause).
      source.addEventListener("error", () => { source?.close(); onState(false); retry = setTimeout(open, 1000); });
    } catch {
      onState(false);
      retry = setTimeout(open, 3000);
    }
  };
  open();
  return () => { stopped = true; clearTimeout(retry); source?.close(); };
}
