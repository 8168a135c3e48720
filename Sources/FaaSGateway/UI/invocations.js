// Recent invocations (GET /invocations), once the gateway records them; otherwise this page
// says the gateway has none.

import { probe, paths } from "./api.js";
import { h, stateBox, formatDate, formatMs } from "./dom.js";

export async function render(main, context) {
  main.append(h("h1", "Invocations"));
  const box = h("div", { "aria-live": "polite" }, h("p.muted", "Loading…"));
  main.append(box);
  const found = await probe(paths.invocations(null));
  if (context.signal.stale) return;
  if (found.state === "absent") {
    box.replaceChildren(stateBox("absent", "Not available on this gateway",
      "This gateway does not record invocations (GET /invocations answers ", String(found.answer.status),
      "). Synchronous invokes still work from each function's page."));
    return;
  }
  box.replaceChildren(invocationsTable(found.answer.json));
}

/** A table of the invocations in `body` ({invocations: [...]} or an array). */
export function invocationsTable(body) {
  const list = Array.isArray(body) ? body : (body && body.invocations) || [];
  if (!list.length) return stateBox("empty", "No invocations yet", "Invoke a function and it shows here.");
  const cell = (value) => h("td", value === undefined || value === null ? "–" : String(value));
  return h("div.table-wrap", h("table",
    h("thead", h("tr", ["Id", "Function", "State", "Created", "Duration", "Result"].map((label) => h("th", { scope: "col" }, label)))),
    h("tbody", list.map((i) => h("tr",
      h("td", h("code", i.id || i.invocation_id || "–")),
      cell(i.function || i.fn || i.name),
      h("td", h("span.badge.state-" + String(i.state || "").replace(/[^a-z_]/g, ""), i.state || "–")),
      cell(i.submitted_at ?? i.created_at ? formatDate(i.submitted_at ?? i.created_at) : null),
      // The gateway reports seconds (`duration`).
      cell(typeof i.duration === "number" ? formatMs(i.duration * 1000) : null),
      cell(i.result ? (i.result.output ?? i.result.error ?? JSON.stringify(i.result)) : i.error))))));
}
