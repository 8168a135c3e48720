// A function's versions (GET /function/N/versions -> {"versions":[{version, id, created_at,
// current, settings...}]}): listed newest first, each invocable by its id, and the function
// rolled back to one (POST /function/N/rollback?version=K) after a confirmation.

import { call, errorOf, probe, paths } from "./api.js";
import { h, stateBox, formatDate } from "./dom.js";

const SETTING_TEXT = [
  ["timeout", (v) => `timeout ${v} s`],
  ["memory", (v) => `memory ${v} MiB`],
  ["concurrency", (v) => `concurrency ${v}`],
  ["mode", (v) => `mode ${v}`],
];

/**
 * The rows the table shows, newest first: which one is current (the answer's `current`, else
 * the function's version), and the settings each version was deployed with, in words.
 */
export function versionRows(body, currentVersion) {
  const list = Array.isArray(body) ? body : (body && Array.isArray(body.versions) ? body.versions : []);
  const anyFlagged = list.some((v) => typeof v.current === "boolean");
  return list
    .filter((v) => v && Number.isInteger(v.version))
    .map((v) => ({
      version: v.version,
      id: typeof v.id === "string" ? v.id : "",
      createdAt: v.created_at ?? null,
      current: anyFlagged ? v.current === true : v.version === currentVersion,
      settings: SETTING_TEXT.filter(([key]) => v[key] !== undefined && v[key] !== null).map(([key, text]) => text(v[key])),
    }))
    .sort((a, b) => b.version - a.version);
}

/**
 * Fills `section` with the versions table (and returns its rows). `invokeVersion(row)` points
 * the invoke form at a version; `reload()` draws the page again after a roll back.
 */
export async function renderVersions(section, summary, context, { invokeVersion, reload }) {
  const title = h("h2#versions-title", "Versions");
  let found;
  try { found = await probe(paths.versions(summary.name)); } catch (error) {
    return section.replaceChildren(title, stateBox("error", "Versions unavailable", error.message));
  }
  if (context.signal.stale) return [];
  if (found.state === "absent") {
    section.replaceChildren(title, stateBox("absent", "Not available on this gateway",
      "This gateway does not keep a version history (GET /function/NAME/versions)."));
    return [];
  }
  const rows = versionRows(found.answer.json, summary.version);
  if (!rows.length) {
    section.replaceChildren(title, stateBox("empty", "No versions", "Nothing recorded yet."));
    return [];
  }
  const status = h("div.version-status", { "aria-live": "polite" });
  const tableRows = rows.map((row) => versionRow(row, summary, status, { invokeVersion, reload }));
  section.replaceChildren(title, h("div.table-wrap", h("table.versions",
    h("caption.sr-only", `${rows.length} versions of ${summary.name}, newest first`),
    h("thead", h("tr", ["Version", "Id", "Created", "Settings"].map((label) => h("th", { scope: "col" }, label)),
      h("th", { scope: "col" }, h("span.sr-only", "Actions")))),
    h("tbody", tableRows))), status);
  return rows;
}

function versionRow(row, summary, status, { invokeVersion, reload }) {
  const label = "v" + row.version;
  const actions = h("td.actions-cell");
  const invoke = h("button.small.secondary", { type: "button", "data-invoke-version": row.version, on: { click: () => invokeVersion(row) } },
    "Invoke ", h("span.sr-only", label));
  const showActions = () => {
    actions.replaceChildren(invoke);
    if (!row.current && row.id) {
      actions.append(" ", h("button.small", { type: "button", "data-rollback": row.version, on: { click: confirm } }, "Roll back to " + label));
    }
  };
  // Asked in the row itself: what happens, then "Roll back" or "Cancel" (Escape cancels too).
  function confirm() {
    const yes = h("button.small.danger", { type: "button", "data-confirm-rollback": row.version }, "Yes, make " + label + " current");
    const no = h("button.small.secondary", { type: "button" }, "Cancel");
    const cancel = () => { showActions(); actions.querySelector("[data-rollback]")?.focus(); };
    no.addEventListener("click", cancel);
    const question = h("div.confirm", { role: "group", "aria-label": "Confirm the roll back" },
      h("span", `Invocations of ${summary.name} will run ${label} from now on.`), " ", yes, " ", no);
    question.addEventListener("keydown", (event) => { if (event.key === "Escape") cancel(); });
    yes.addEventListener("click", async () => {
      yes.disabled = true;
      no.disabled = true;
      let answer;
      try {
        answer = await call("POST", paths.rollback(summary.name, row.version));
      } catch (error) {
        answer = { ok: false, status: 0, text: error.message, json: null };
      }
      if (answer.ok) {
        status.replaceChildren(stateBox("ok", `Rolled back to ${label}`, "The page shows the function as it is now."));
        return reload();
      }
      status.replaceChildren(stateBox("error", "Roll back failed", errorOf(answer).message));
      showActions();
    });
    actions.replaceChildren(question);
    yes.focus();
  }
  showActions();
  return h("tr" + (row.current ? ".current" : ""),
    h("th", { scope: "row" }, label, row.current ? [" ", h("span.badge.current-mark", "current")] : null),
    h("td", { "data-label": "Id" }, h("code", row.id || "–")),
    h("td", { "data-label": "Created" }, row.createdAt === null ? "–" : formatDate(row.createdAt)),
    h("td", { "data-label": "Settings" }, row.settings.join(", ") || "–"),
    actions);
}
