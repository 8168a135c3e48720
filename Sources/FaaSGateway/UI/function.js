// One function: its settings, its source (highlighted here), a form to invoke it, and the
// sections the gateway may not have yet (versions, logs, invocations), feature-detected.

import { request, call, probe, errorOf, paths } from "./api.js";
import { h, stateBox, formatBytes, formatDate, formatMs, uid } from "./dom.js";
import { highlighted } from "./highlight.js";
import { invocationsTable } from "./invocations.js";
import { renderVersions } from "./versions.js";
import { followLogs } from "./logs.js";

const gatewayDefault = (unit) => (v) => (v == null ? "gateway default" : v + unit);
/** Names only: a value never reaches the page's text (the gateway may send them). */
const names = (value) => {
  const list = Array.isArray(value) ? value : value && typeof value === "object" ? Object.keys(value) : [];
  return list.length ? list.slice().sort().join(", ") : "none";
};
const SETTINGS = [
  ["id", "Id"], ["version", "Version"], ["language", "Language"], ["mode", "Mode"], ["entrypoint", "Entry point"],
  ["timeout", "Timeout", gatewayDefault(" s"), true],
  ["memory", "Memory", gatewayDefault(" MiB"), true],
  ["concurrency", "Concurrency", (v) => (v == null ? "no limit of its own" : v + " at a time"), true],
  ["env", "Environment", (v) => (v == null ? "none" : names(v) + (names(v) === "none" ? "" : " (values hidden)")), true],
  ["secrets", "Secrets", (v) => (v == null ? "none" : names(v)), true],
  ["size", "Size", formatBytes], ["created_at", "Created", formatDate],
  ["public", "Public", (v) => (v ? "yes: anyone may invoke it" : "no"), true],
  ["cors", "CORS origin"],
];

export async function render(main, context, name) {
  const [summaries, source] = await Promise.all([request("GET", paths.functions), call("GET", paths.source(name))]);
  if (context.signal.stale) return;
  const summary = (summaries.json.functions || []).find((f) => f.name === name || f.id === name);
  if (!summary || source.status === 404) {
    main.append(h("h1", name), stateBox("empty", "No such function", `There is no function named “${name}”. `,
      h("a", { href: "#/functions" }, "Back to the list")));
    return;
  }
  if (!source.ok) throw errorOf(source);
  const language = source.headers.get("X-Function-Language") || summary.language;
  const sections = {
    invoke: h("section.card", { "aria-labelledby": "invoke-title" }),
    versions: h("section.card", { "aria-labelledby": "versions-title" }, h("h2#versions-title", "Versions"), h("p.muted", "Loading…")),
    logs: h("section.card", { "aria-labelledby": "logs-title" }, h("h2#logs-title", "Logs"), h("p.muted", "Loading…")),
    invocations: h("section.card", { "aria-labelledby": "invocations-title" }, h("h2#invocations-title", "Recent invocations"), h("p.muted", "Loading…")),
  };
  main.append(
    h("nav.crumbs", { "aria-label": "Breadcrumb" }, h("a", { href: "#/functions" }, "Functions"), " / ", h("span", { "aria-current": "page" }, summary.name)),
    h("div.page-head", h("h1", summary.name), h("span.badge", language), h("span.badge", "v" + summary.version)),
    h("div.grid",
      sections.invoke,
      h("section.card", { "aria-labelledby": "settings-title" }, h("h2#settings-title", "Settings"), settings(summary))),
    h("section.card", { "aria-labelledby": "source-title" },
      h("h2#source-title", "Source"),
      highlighted(source.text, language, `Source of ${summary.name}, ${language}`)),
    sections.versions,
    sections.logs,
    sections.invocations,
  );
  const invocations = await probe(paths.invocations(summary.name)).catch((error) => ({ state: "error", error }));
  if (context.signal.stale) return;
  const form = invokeForm(sections.invoke, summary, invocations.state === "present");
  showInvocations(sections.invocations, invocations, context);
  showLogs(sections.logs, summary, context);
  const rows = await renderVersions(sections.versions, summary, context, { invokeVersion: form.target, reload: context.reload });
  if (!context.signal.stale) form.versions(rows || []);
}

function settings(summary) {
  const list = h("dl.settings");
  const known = new Set(SETTINGS.map(([key]) => key).concat(["name"]));
  for (const [key, label, format, always] of SETTINGS) {
    if (!(key in summary) && !always) continue;
    list.append(h("dt", label), h("dd", { "data-setting": key }, format ? format(summary[key]) : String(summary[key])));
  }
  // Settings a newer gateway adds are shown as given (objects by their keys only).
  for (const [key, value] of Object.entries(summary)) {
    if (known.has(key)) continue;
    const text = Array.isArray(value) || (value && typeof value === "object") ? names(value) : String(value);
    list.append(h("dt", key.replace(/_/g, " ")), h("dd", text));
  }
  return list;
}

/**
 * The invoke form. Returns {target(row)}: point it at one version (a row of the versions
 * table), and {versions(rows)}: the versions the "Version" choice lists.
 */
function invokeForm(section, summary, asyncAvailable) {
  const payloadId = uid("payload");
  const versionId = uid("version");
  const payload = h("textarea#" + payloadId, { name: "payload", rows: 5, spellcheck: "false", "aria-describedby": payloadId + "-hint" });
  const formatName = uid("format");
  const radio = (value, label, checked) => h("label.inline", h("input", { type: "radio", name: formatName, value, checked }), " " + label);
  const asyncBox = h("input", { type: "checkbox", name: "async" });
  const current = h("option", { value: summary.name }, `Current (v${summary.version})`);
  const version = h("select#" + versionId, { name: "version" }, current);
  const versionField = h("div.field", { hidden: true }, h("label", { for: versionId }, "Version"), version);
  const result = h("div.result", { "aria-live": "polite" });
  const button = h("button", { type: "submit" }, "Invoke");
  const form = h("form.invoke",
    versionField,
    h("label", { for: payloadId }, "Payload"),
    payload,
    h("p.hint#" + payloadId + "-hint", "Sent as the request body: text as is, or JSON (checked here first)."),
    h("fieldset.inline", h("legend", "Payload format"), radio("text", "Text", true), radio("json", "JSON", false)),
    asyncAvailable ? h("label.inline", asyncBox, " Run asynchronously (answer at once with an invocation id)") : null,
    h("div.actions", button),
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const json = form.querySelector(`input[name="${formatName}"]:checked`).value === "json";
    let body = payload.value;
    if (json) {
      try { body = JSON.stringify(JSON.parse(body || "null")); } catch (error) {
        result.replaceChildren(stateBox("error", "Not valid JSON", error.message));
        payload.focus();
        return;
      }
    }
    button.disabled = true;
    result.replaceChildren(h("p.muted", "Invoking…"));
    try {
      const answer = await call("POST", paths.invoke(version.value || summary.name, asyncAvailable && asyncBox.checked), {
        body, contentType: json ? "application/json" : "text/plain; charset=utf-8",
      });
      result.replaceChildren(invokeResult(answer, version.selectedOptions[0].textContent));
    } catch (error) {
      result.replaceChildren(stateBox("error", "Gateway down", error.message));
    } finally {
      button.disabled = false;
    }
  });
  section.replaceChildren(h("h2#invoke-title", "Invoke"), form, result);
  return {
    versions(rows) {
      const older = rows.filter((row) => row.id && !row.current);
      version.replaceChildren(current, ...older.map((row) => h("option", { value: row.id }, `v${row.version} (${row.id})`)));
      versionField.hidden = !older.length;
    },
    target(row) {
      if (!row.current && ![...version.options].some((option) => option.value === row.id)) {
        version.append(h("option", { value: row.id }, `v${row.version} (${row.id})`));
      }
      version.value = row.current ? summary.name : row.id;
      versionField.hidden = false;
      section.scrollIntoView({ block: "nearest" });
      payload.focus();
    },
  };
}

function invokeResult(answer, versionLabel) {
  const body = answer.json || {};
  let output = "";
  if (answer.ok && typeof body.output === "string") {
    output = body.encoding === "base64" ? decodeBase64(body.output) : body.output;
  } else if (answer.ok && body.invocation_id) {
    output = "Queued as invocation " + body.invocation_id;
  } else {
    output = body.error || answer.text;
  }
  const pretty = prettyJSON(output);
  const requestId = answer.headers.get("X-Request-Id");
  return h("div.outcome" + (answer.ok ? ".ok" : ".failed"), { role: answer.ok ? "status" : "alert" },
    h("dl.facts",
      h("dt", "Status"), h("dd.status", `${answer.status} ${answer.ok ? "ok" : "failed"}`),
      h("dt", "Duration"), h("dd.duration", formatMs(answer.ms)),
      h("dt", "Request id"), h("dd.request-id", requestId ? h("code", requestId) : "not given by this gateway"),
      h("dt", "Version"), h("dd.version", versionLabel)),
    h("h3", answer.ok ? "Output" : "Error"),
    h("pre.output", { tabindex: 0 }, pretty));
}

function decodeBase64(text) {
  const bytes = Uint8Array.from(atob(text), (c) => c.charCodeAt(0));
  return new TextDecoder("utf-8", { fatal: false }).decode(bytes) + "\n(binary output shown as UTF-8)";
}

function prettyJSON(text) {
  const trimmed = text.trim();
  if (!/^[[{]/.test(trimmed)) return text;
  try { return JSON.stringify(JSON.parse(trimmed), null, 2); } catch { return text; }
}

/** The logs panel: followed live while the page is open (stopped when leaving it). */
function showLogs(section, summary, context) {
  const title = h("h2#logs-title", "Logs");
  const mode = h("p.hint.logs-mode", "Connecting…");
  const problem = h("div", { "aria-live": "polite" });
  const empty = stateBox("empty", "No log lines yet", "What the function writes to stderr (or a handler prints) shows here as it happens.");
  const list = h("ol.logs", { role: "log", tabindex: 0, "aria-label": `Log lines of ${summary.name}, newest last` });
  const box = h("div.logs-box", list);
  section.replaceChildren(title, mode, problem, box);
  list.hidden = true;
  let seen = false;
  const stop = followLogs(summary.name, {
    lines(entries) {
      if (context.signal.stale) return;
      seen = true;
      empty.remove();
      list.hidden = false;
      const stick = list.scrollTop + list.clientHeight >= list.scrollHeight - 8;
      list.append(...entries.map(logLineElement));
      while (list.children.length > 500) list.firstElementChild.remove();
      if (stick) list.scrollTop = list.scrollHeight;
    },
    mode(kind) {
      // Known to work only now: until then "no lines" would be a guess.
      if (!seen && !empty.isConnected) box.prepend(empty);
      mode.textContent = kind === "stream" ? "Following live." : "Following: checked every 3 seconds (the live stream is not available).";
    },
    absent(status) {
      section.replaceChildren(title, stateBox("absent", "This gateway does not keep logs",
        `GET /function/NAME/logs answers ${status} here: a newer gateway keeps what functions print.`));
    },
    error(message) { problem.replaceChildren(stateBox("error", "Logs not updated", message)); },
    ok() { problem.replaceChildren(); },
  });
  context.cleanup(stop);
}

function logLineElement(entry) {
  const time = entry.time ? entry.time.replace(/^\d{4}-\d\d-\d\dT/, "").replace(/Z$/, "") : "";
  return h("li.log-line.log-" + entry.stream,
    h("time", { datetime: entry.time || null }, time), " ",
    entry.version === null ? null : h("span.log-version", "v" + entry.version), " ",
    h("span.log-stream", entry.stream), " ",
    entry.requestId ? h("span.log-request", { title: "Request id " + entry.requestId }, entry.requestId) : null, " ",
    h("span.log-text", entry.line));
}

function showInvocations(section, found, context) {
  const title = h("h2#invocations-title", "Recent invocations");
  if (found.state === "error") return section.replaceChildren(title, stateBox("error", "Invocations unavailable", found.error.message));
  if (found.state === "absent") {
    return section.replaceChildren(title, stateBox("absent", "Not available on this gateway",
      "This gateway does not record invocations (GET /invocations)."));
  }
  section.replaceChildren(title, invocationsTable(found.answer.json));
  void context;
}
