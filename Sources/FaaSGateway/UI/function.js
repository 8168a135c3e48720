// One function: its settings, its source (highlighted here), a form to invoke it, and the
// sections the gateway may not have yet (versions, logs, invocations), feature-detected.

import { request, call, probe, errorOf, paths } from "./api.js";
import { h, stateBox, formatBytes, formatDate, formatMs, uid } from "./dom.js";
import { highlighted } from "./highlight.js";
import { invocationsTable } from "./invocations.js";

const SETTINGS = [
  ["id", "Id"], ["version", "Version"], ["language", "Language"], ["mode", "Mode"], ["entrypoint", "Entry point"],
  ["timeout", "Timeout", (v) => (v == null ? "gateway default" : v + " s")],
  ["memory", "Memory", (v) => (v == null ? "gateway default" : v + " MiB")],
  ["size", "Size", formatBytes], ["created_at", "Created", formatDate],
  ["public", "Public", (v) => (v ? "yes: anyone may invoke it" : "no")],
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
  invokeForm(sections.invoke, summary, invocations.state === "present");
  showInvocations(sections.invocations, invocations, context);
  await Promise.all([versions(sections.versions, summary, context), logs(sections.logs, summary, context)]);
}

function settings(summary) {
  const list = h("dl.settings");
  const known = new Set(SETTINGS.map(([key]) => key).concat(["name"]));
  for (const [key, label, format] of SETTINGS) {
    if (!(key in summary) && key !== "public" && key !== "timeout" && key !== "memory") continue;
    list.append(h("dt", label), h("dd", format ? format(summary[key]) : String(summary[key])));
  }
  // Settings a newer gateway adds (env, secrets by name, concurrency...) are shown as given.
  for (const [key, value] of Object.entries(summary)) {
    if (known.has(key)) continue;
    const text = Array.isArray(value) ? value.join(", ") || "none"
      : value && typeof value === "object" ? Object.keys(value).join(", ") || "none" : String(value);
    list.append(h("dt", key.replace(/_/g, " ")), h("dd", text));
  }
  return list;
}

function invokeForm(section, summary, asyncAvailable) {
  const payloadId = uid("payload");
  const payload = h("textarea#" + payloadId, { name: "payload", rows: 5, spellcheck: "false", "aria-describedby": payloadId + "-hint" });
  const formatName = uid("format");
  const radio = (value, label, checked) => h("label.inline", h("input", { type: "radio", name: formatName, value, checked }), " " + label);
  const asyncBox = h("input", { type: "checkbox", name: "async" });
  const result = h("div.result", { "aria-live": "polite" });
  const button = h("button", { type: "submit" }, "Invoke");
  const form = h("form.invoke",
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
      const answer = await call("POST", paths.invoke(summary.name, asyncAvailable && asyncBox.checked), {
        body, contentType: json ? "application/json" : "text/plain; charset=utf-8",
      });
      result.replaceChildren(invokeResult(answer));
    } catch (error) {
      result.replaceChildren(stateBox("error", "Gateway down", error.message));
    } finally {
      button.disabled = false;
    }
  });
  section.replaceChildren(h("h2#invoke-title", "Invoke"), form, result);
}

function invokeResult(answer) {
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
      h("dt", "Request id"), h("dd.request-id", requestId || "not given by this gateway")),
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

async function versions(section, summary, context) {
  const title = h("h2#versions-title", "Versions");
  let found;
  try { found = await probe(paths.versions(summary.name)); } catch (error) {
    return section.replaceChildren(title, stateBox("error", "Versions unavailable", error.message));
  }
  if (context.signal.stale) return;
  if (found.state === "absent") {
    return section.replaceChildren(title, stateBox("absent", "Not available on this gateway",
      "This gateway does not keep a version history (GET /function/NAME/versions)."));
  }
  const body = found.answer.json;
  const list = Array.isArray(body) ? body : (body && body.versions) || [];
  if (!list.length) return section.replaceChildren(title, stateBox("empty", "No versions", "Nothing recorded yet."));
  const rows = list.map((v) => {
    const rollback = h("button.small", { type: "button" }, "Roll back to v" + v.version);
    rollback.addEventListener("click", async () => {
      rollback.disabled = true;
      const answer = await call("POST", paths.rollback(summary.name, v.version)).catch((error) => ({ ok: false, text: error.message, json: null, status: 0 }));
      if (answer.ok) location.reload();
      else section.append(stateBox("error", "Rollback failed", (answer.json && answer.json.error) || answer.text));
      rollback.disabled = false;
    });
    const current = v.version === summary.version;
    return h("tr",
      h("td.num", "v" + v.version, current ? " (current)" : ""),
      h("td", h("code", v.id || "–")),
      h("td", formatDate(v.created_at)),
      h("td", current ? "" : rollback));
  });
  section.replaceChildren(title, h("div.table-wrap", h("table",
    h("thead", h("tr", h("th", { scope: "col" }, "Version"), h("th", { scope: "col" }, "Id"), h("th", { scope: "col" }, "Created"), h("th", { scope: "col" }, h("span.sr-only", "Actions")))),
    h("tbody", rows))));
}

async function logs(section, summary, context) {
  const title = h("h2#logs-title", "Logs");
  let found;
  try { found = await probe(paths.logs(summary.name)); } catch (error) {
    return section.replaceChildren(title, stateBox("error", "Logs unavailable", error.message));
  }
  if (context.signal.stale) return;
  if (found.state === "absent") {
    return section.replaceChildren(title, stateBox("absent", "Not available on this gateway",
      "This gateway keeps no function logs (GET /function/NAME/logs)."));
  }
  const pre = h("pre.logs", { tabindex: 0, "aria-live": "polite", "aria-label": "Log lines, newest last" });
  const show = (answer) => {
    const text = answer.json ? (answer.json.lines || answer.json.logs || []).map((l) => (typeof l === "string" ? l : JSON.stringify(l))).join("\n") : answer.text;
    pre.textContent = text.trim() || "(no log lines yet)";
  };
  show(found.answer);
  section.replaceChildren(title, h("p.hint", "Following: refreshed every 3 seconds."), pre);
  // Followed by polling the tail: simple, and it survives a gateway restart.
  const timer = setInterval(async () => {
    const answer = await call("GET", paths.logs(summary.name)).catch(() => null);
    if (answer && answer.ok && !context.signal.stale) show(answer);
  }, 3000);
  context.cleanup(() => clearInterval(timer));
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
