// The functions list: every function's latest version, searchable and sortable.

import { request, paths } from "./api.js";
import { h, stateBox, formatBytes, formatDate } from "./dom.js";

const COLUMNS = [
  { key: "name", label: "Name" },
  { key: "language", label: "Language" },
  { key: "mode", label: "Mode" },
  { key: "version", label: "Version", numeric: true },
  { key: "size", label: "Size", numeric: true, format: formatBytes },
  { key: "created_at", label: "Created", format: formatDate },
  { key: "public", label: "Public", format: (value) => (value ? "yes" : "no") },
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
  try {
    functions = (await request("GET", paths.functions)).json.functions || [];
  } catch (error) {
    return context.fail(error, "page");
  }
  if (context.signal.stale) return;
  const state = { sort: "name", descending: false, query: "" };
  const draw = () => list.replaceChildren(table(functions, state, draw));
  search.addEventListener("input", () => { state.query = search.value.trim().toLowerCase(); draw(); });
  draw();
}

function table(functions, state, draw) {
  if (!functions.length) {
    return stateBox("empty", "No functions yet", "Deploy one from the ", h("a", { href: "#/deploy" }, "deploy page"), " or with curl.");
  }
  const shown = functions
    .filter((f) => !state.query || f.name.toLowerCase().includes(state.query) || f.language.includes(state.query))
    .sort((a, b) => compare(a, b, state.sort) * (state.descending ? -1 : 1));
  const head = h("tr", COLUMNS.map((column) => {
    const active = state.sort === column.key;
    const button = h("button.sort", {
      type: "button",
      on: { click: () => { state.descending = active ? !state.descending : false; state.sort = column.key; draw(); focusSort(column.key); } },
      "data-sort": column.key,
    }, column.label, h("span.sort-mark", { "aria-hidden": "true" }, active ? (state.descending ? " ▼" : " ▲") : ""));
    return h("th", { scope: "col", "aria-sort": active ? (state.descending ? "descending" : "ascending") : "none", class: column.numeric ? "num" : null }, button);
  }));
  const rows = shown.map((f) => h("tr", COLUMNS.map((column) => {
    const value = f[column.key];
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
