// Deploy: a file (source or archive) or pasted source, the language and options; a compile
// failure (422) shows the compiler's diagnostics with their line numbers, each one a link
// to that line of the pasted source.

import { call, errorOf, paths } from "./api.js";
import { h, stateBox } from "./dom.js";

const LANGUAGES = [
  ["python", "Python"], ["js", "JavaScript (Node)"], ["c", "C (to WebAssembly)"], ["rust", "Rust (to WebAssembly)"],
  ["go", "Go"], ["cpp", "C++ (to WebAssembly)"],
];
const EXTENSIONS = { py: "python", js: "js", mjs: "js", c: "c", h: "c", rs: "rust", go: "go", cpp: "cpp", cc: "cpp", cxx: "cpp" };
const EXAMPLE = 'import sys\nprint("Hello, " + sys.stdin.read())\n';

/** Diagnostics [{line, column, message}] of compiler output: `file:LINE:COL: error: ...`
 *  (clang, go), `--> file:LINE:COL` (rustc), `line N` (python). */
export function diagnostics(details) {
  const found = [];
  const lines = String(details || "").split("\n");
  lines.forEach((text, index) => {
    let match = /(?:^|[\s/])[\w.+-]*:(\d+):(?:(\d+):)?\s*(?:(fatal error|error|warning|note):)?\s*(.*)$/.exec(text);
    if (match && /^\s*-->/.test(text) === false) {
      found.push({ line: Number(match[1]), column: match[2] ? Number(match[2]) : null, severity: match[3] || "error", message: match[4] || text.trim() });
      return;
    }
    match = /^\s*-->\s*\S*?:(\d+):(\d+)/.exec(text);
    if (match) {
      const previous = (lines[index - 1] || "").trim();
      found.push({ line: Number(match[1]), column: Number(match[2]), severity: "error", message: previous || text.trim() });
      return;
    }
    match = /\bline (\d+)\b(.*)$/.exec(text);
    if (match) found.push({ line: Number(match[1]), column: null, severity: "error", message: text.trim() });
  });
  return found.filter((d) => d.severity !== "note");
}

export async function render(main) {
  const field = (id, label, input, hint) => h("div.field",
    h("label", { for: id }, label), input, hint ? h("p.hint#" + id + "-hint", hint) : null);
  const name = h("input#deploy-name", { name: "name", required: true, pattern: "[A-Za-z0-9][A-Za-z0-9_\\-]{0,63}", autocomplete: "off", "aria-describedby": "deploy-name-hint" });
  const language = h("select#deploy-language", { name: "lang" }, LANGUAGES.map(([value, label]) => h("option", { value }, label)));
  const file = h("input#deploy-file", { type: "file", name: "file", "aria-describedby": "deploy-file-hint" });
  const source = h("textarea#deploy-source", { name: "source", rows: 14, spellcheck: "false", placeholder: EXAMPLE, "aria-describedby": "deploy-source-hint" });
  const mode = h("select#deploy-mode", { name: "mode" },
    h("option", { value: "" }, "Default for the language"), h("option", { value: "command" }, "command (stdin to stdout)"),
    h("option", { value: "handler" }, "handler (a function called per request)"), h("option", { value: "export" }, "export (a wasm export)"));
  const entrypoint = h("input#deploy-entrypoint", { name: "entrypoint", autocomplete: "off", "aria-describedby": "deploy-entrypoint-hint" });
  const timeout = h("input#deploy-timeout", { name: "timeout", type: "number", min: "0.1", step: "0.1", inputmode: "decimal" });
  const memory = h("input#deploy-memory", { name: "memory", type: "number", min: "1", step: "1", inputmode: "numeric" });
  const isPublic = h("input#deploy-public", { type: "checkbox", name: "public" });
  const cors = h("input#deploy-cors", { name: "cors", placeholder: "https://example.com", autocomplete: "off" });
  const update = h("input#deploy-update", { type: "checkbox", name: "update" });
  const result = h("div#deploy-result", { "aria-live": "polite" });
  const submit = h("button", { type: "submit" }, "Deploy");
  const form = h("form.deploy.card", { "aria-labelledby": "deploy-title", novalidate: true },
    field("deploy-name", "Name", name, "1–64 of A–Z a–z 0–9 _ -, starting with a letter or digit."),
    field("deploy-language", "Language", language),
    h("fieldset", h("legend", "Source"),
      field("deploy-file", "Upload a file or an archive", file, "Its bytes are sent as they are; its extension picks the language."),
      field("deploy-source", "…or paste the source", source, "Used when no file is chosen.")),
    h("details.options", h("summary", "Options"),
      field("deploy-mode", "Mode", mode),
      field("deploy-entrypoint", "Entry point (C and Rust)", entrypoint, "The export to call; empty for the default."),
      field("deploy-timeout", "Timeout (seconds)", timeout),
      field("deploy-memory", "Memory (MiB)", memory),
      h("div.field", h("label.inline", isPublic, " Public: anyone may invoke it without a key")),
      field("deploy-cors", "CORS origin allowed to call it (public functions)", cors),
      h("div.field", h("label.inline", update, " Update if it exists (a new version)"))),
    h("div.actions", submit),
  );
  file.addEventListener("change", () => {
    const chosen = file.files[0];
    if (!chosen) return;
    const extension = chosen.name.split(".").pop().toLowerCase();
    if (EXTENSIONS[extension]) language.value = EXTENSIONS[extension];
    if (!name.value) name.value = chosen.name.replace(/\..*$/, "").replace(/[^A-Za-z0-9_-]/g, "-").slice(0, 64);
  });
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (!name.checkValidity()) {
      result.replaceChildren(stateBox("error", "Check the name", "1–64 of A–Z a–z 0–9 _ -, starting with a letter or digit."));
      name.focus();
      return;
    }
    const chosen = file.files[0];
    const body = chosen ? await chosen.arrayBuffer() : source.value;
    if (!chosen && !source.value.trim()) {
      result.replaceChildren(stateBox("error", "No source", "Choose a file or paste the source."));
      source.focus();
      return;
    }
    const query = new URLSearchParams({ name: name.value, lang: language.value });
    if (mode.value) query.set("mode", mode.value);
    if (entrypoint.value.trim()) query.set("entrypoint", entrypoint.value.trim());
    if (timeout.value) query.set("timeout", timeout.value);
    if (memory.value) query.set("memory", memory.value);
    if (isPublic.checked) query.set("public", "true");
    if (cors.value.trim()) query.set("cors", cors.value.trim());
    if (update.checked) query.set("update", "true");
    submit.disabled = true;
    result.replaceChildren(h("p.muted", "Deploying (compiling can take a while)…"));
    try {
      const answer = await call("POST", paths.deploy(query.toString()), { body, contentType: "application/octet-stream" });
      if (answer.ok) {
        const f = answer.json;
        result.replaceChildren(h("div.state.state-ok", { role: "status" },
          h("strong", `Deployed ${f.name} v${f.version}`),
          h("p", "Id ", h("code", f.id), ". ", h("a#deployed-link", { href: "#/function/" + encodeURIComponent(f.name) }, "Open it to invoke")))) ;
      } else {
        result.replaceChildren(failure(errorOf(answer), chosen ? null : source));
        result.scrollIntoView({ block: "nearest" });
      }
    } catch (error) {
      result.replaceChildren(stateBox("error", "Gateway down", error.message));
    } finally {
      submit.disabled = false;
    }
  });
  main.append(h("h1#deploy-title", "Deploy a function"), form, result);
}

function failure(error, textarea) {
  const title = error.status === 422 ? "Compilation failed" : `Deploy refused (${error.status})`;
  const found = diagnostics(error.details);
  const said = error.status === 422 && error.message === "compilation failed" ? "The compiler reported:" : error.message;
  const box = stateBox("error", title, said);
  box.classList.add("deploy-error");
  if (found.length) {
    box.append(h("ul.diagnostics", found.map((d) => {
      const label = `Line ${d.line}${d.column ? ", column " + d.column : ""}`;
      const jump = textarea
        ? h("button.link.diag-line", { type: "button", on: { click: () => selectLine(textarea, d.line) } }, label)
        : h("span.diag-line", label);
      return h("li", jump, ": ", d.message);
    })));
  }
  if (error.details) box.append(h("details", h("summary", "Compiler output"), h("pre.output", { tabindex: 0 }, error.details)));
  return box;
}

/** Selects line `number` (1-based) of the textarea and scrolls it into view. */
function selectLine(textarea, number) {
  const lines = textarea.value.split("\n");
  const start = lines.slice(0, number - 1).reduce((total, line) => total + line.length + 1, 0);
  const end = start + (lines[number - 1] || "").length;
  textarea.focus();
  textarea.setSelectionRange(start, end);
  const lineHeight = textarea.scrollHeight / Math.max(1, lines.length);
  textarea.scrollTop = Math.max(0, (number - 3) * lineHeight);
}
