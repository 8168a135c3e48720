// The functions list: every function's latest version, searchable and sortable, with its
// last invocations and error rate from the invocation history (GET /invocations/summary).

import { request, probe, paths } from "./api.js";
import { h, stateBox, formatBytes, formatDate } from "./dom.js";

const FAILED = ["failed", "timed_out"];
const FINISHED = ["succeeded", ...FAILED];

/**
 * A function's error rate from its counts by state: failed and timed out over the finished
 * ones (queued, running and cancelled are not outcomes); null when none finished.
 */
export function errorRate(states) {
  const count = (names) => names.reduce((total, name) => total + (Number(states && states[name]) || 0), 0);
  const finished = count(FINISHED);
  if (!finished) return null;
  const failed = count(FAILED);
  return { failed, finished, rate: failed / finished };
}

/** "3 of 12 (25%)", "0 of 4 (0%)", or "–" without finished invocations. */
export function formatErrorRate(rate) {
  if (!rate) return "–";
  const percent = rate.rate * 100;
  const shown = percent === 0 || percent >= 10 ? Math.round(percent) : percent < 1 ? "<1" : percent.toFixed(1);
  return `${rate.failed} of ${rate.finished} (${shown}%)`;
}

/** The summary's functions by name: {rate, recent: [state...] newest first, lastAt}. */
export function activityByFunction(body) {
  const activity = new Map();
  for (const f of (body && Array.isArray(body.functions) ? body.functions : [])) {
    if (!f || typeof f.function !== "string") continue;
    const recent = (Array.isArray(f.recent) ? f.recent : []).map((r) => (typeof r === "string" ? r : r && r.state)).filter(Boolean);
    activity.set(f.function, { rate: errorRate(f.states), recent, lastAt: typeof f.last_at === "number" ? f.last_at : null });
  }
  return activity;
}

/** "just now", "5 min ago", "3 h ago", "2 days ago" from unix seconds. */
export function ago(seconds, now = Date.now() / 1000) {
  const elapsed = Math.max(0, now - seconds);
  if (elapsed < 60) return "just now";
  if (elapsed < 3600) return Math.floor(elapsed / 60) + " min ago";
  if (elapsed < 86400) return Math.floor(elapsed / 3600) + " h ago";
  const days = Math.floor(elapsed / 86400);
  return days + (days === 1 ? " day ago" : " days ago");
}

const COLUMNS = [
  { key: "name", label: "Name" },
  { key: "language", label: "Language" },
  { key: "mode", label: "Mode" },
  { key: "version", label: "Version", numeric: true },
  { key: "size", label: "Size", numeric: true, format: formatBytes },
  { key: "created_at", label: "Created", format: formatDate },
  { key: "public", label: "Public", format: (value) => (value ? "yes" : "no") },
  { key: "last_at", label: "Last invocations", numeric: true, activity: true },
  { key: "error_rate", label: "Errors (24 h)", numeric: true, activity: true },
];

export async function render(main, context) {
  const list = h("div.list", { "aria-live": "polite" }, h("p.muted", "Loading functions…"));
  const search = h("input#fn-search", { type: "search", placeholder: "Name or language", autocomplete: "off" });
  main.append(
    h("div.page-head", h("h1", "Functions"), h("a.button", { href: "#/deploy" }, "Deploy a function")),
    h("div.toolbar", h("label", { for: "fn-search" }, "Search"), search),
    list,
  );
  let functions;
  let activity = null;
  try {
    const [list, summary] = await Promise.all([
      request("GET", paths.functions),
      // A gateway without the history (or a key that may not read it) still lists its functions.
      probe(paths.invocationSummary).catch(() => ({ state: "absent" })),
    ]);
    functions = list.json.functions || [];
    if (summary.state === "present") activity = activityByFunction(summary.answer.json);
  } catch (error) {
    return context.fail(error, "page");
  }
  if (context.signal.stale) return;
  // The activity columns sort like the others: by last call, by error rate.
  for (const f of functions) {
    const seen = activity && activity.get(f.name);
    f.last_at = seen ? seen.lastAt : null;
    f.error_rate = seen && seen.rate ? seen.rate.rate : null;
    f.activity = seen || null;
  }
  const columns = activity ? COLUMNS : COLUMNS.filter((column) => !column.activity);
  const state = { sort: "name", descending: false, query: "" };
  const draw = () => list.replaceChildren(table(functions, columns, state, draw));
  search.addEventListener("input", () => { state.query = search.value.trim().toLowerCase(); draw(); });
  draw();
}

function table(functions, columns, state, draw) {
  if (!functions.length) {
    return stateBox("empty", "No functions yet", "Deploy one from the ", h("a", { href: "#/deploy" }, "deploy page"), " or with curl.");
  }
  const shown = functions
    .filter((f) => !state.query || f.name.toLowerCase().includes(state.query) || f.language.includes(state.query))
    .sort((a, b) => compare(a, b, state.sort) * (state.descending ? -1 : 1));
  const head = h("tr", columns.map((column) => {
    const active = state.sort === column.key;
    const button = h("button.sort", {
      type: "button",
      on: { click: () => { state.descending = active ? !state.descending : false; state.sort = column.key; draw(); focusSort(column.key); } },
      "data-sort": column.key,
    }, column.label, h("span.sort-mark", { "aria-hidden": "true" }, active ? (state.descending ? " ▼" : " ▲") : ""));
    return h("th", { scope: "col", "aria-sort": active ? (state.descending ? "descending" : "ascending") : "none", class: column.numeric ? "num" : null }, button);
  }));
  const rows = shown.map((f) => h("tr", columns.map((column) => {
    const value = f[column.key];
    if (column.key === "last_at") return h("td.num", { "data-label": column.label }, lastInvocations(f.activity));
    if (column.key === "error_rate") {
      const rate = f.activity && f.activity.rate;
      return h("td.num" + (rate && rate.failed ? ".has-errors" : ""), { "data-label": column.label }, formatErrorRate(rate));
    }
    const text = column.format ? column.format(value) : value;
    if (column.key === "name") return h("th", { scope: "row" }, h("a", { href: "#/function/" + encodeURIComponent(f.name) }, f.name));
    return h("td", { class: column.numeric ? "num" : null, "data-label": column.label }, text);
  })));
  const table = h("table.functions",
    h("caption.sr-only", `${shown.length} of ${functions.length} functions, sorted by ${state.sort} ${state.descending ? "descending" : "ascending"}`),
    h("thead", head),
    h("tbody", rows));
  if (!shown.length) return h("div", table, stateBox("empty", "No match", `No function matches “${state.query}”.`));
  return h("div.table-wrap", table);
}

/** The last call's age and the latest outcomes as marks (newest first), with words for readers. */
function lastInvocations(activity) {
  if (!activity || activity.lastAt === null) return h("span.muted", "none");
  const failed = activity.recent.filter((state) => FAILED.includes(state)).length;
  return h("span.activity",
    h("span", ago(activity.lastAt)), " ",
    h("span.marks", { "aria-hidden": "true" }, activity.recent.map((state) => h("span.mark.mark-" + state.replace(/[^a-z_]/g, ""), { title: state }))),
    h("span.sr-only", `, last ${activity.recent.length}: ${failed} failed`));
}

function focusSort(key) {
  const button = document.querySelector(`button.sort[data-sort="${key}"]`);
  if (button) button.focus();
}

function compare(a, b, key) {
  const x = a[key];
  const y = b[key];
  if (typeof x === "number" || typeof y === "number") return (x || 0) - (y || 0);
  return String(x ?? "").localeCompare(String(y ?? ""));
}
