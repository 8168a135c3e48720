// The gateway's HTTP API as the console uses it: same origin, the API key (kept in this tab's
// sessionStorage only) sent as a Bearer token on every call, never cookies or cached Basic
// credentials (credentials: "omit" also keeps the browser from prompting on a 401).

const KEY_ITEM = "minifaas.apiKey";

export function apiKey() {
  // No sessionStorage outside a browser (the module tests): no key.
  return (globalThis.sessionStorage && sessionStorage.getItem(KEY_ITEM)) || "";
}

/** The headers every call sends: the key, when there is one. */
export function authHeaders() {
  const headers = new Headers();
  const key = apiKey();
  if (key) headers.set("Authorization", "Bearer " + key);
  return headers;
}

export function setAPIKey(key) {
  if (key) sessionStorage.setItem(KEY_ITEM, key);
  else sessionStorage.removeItem(KEY_ITEM);
}

/** A failed call: `status` 0 when the gateway could not be reached. */
export class APIError extends Error {
  constructor(status, message, details) {
    super(message);
    this.status = status;
    this.details = details || "";
  }

  /** The kind of failure the pages show differently. */
  get kind() {
    if (this.status === 0) return "down";
    if (this.status === 401) return "unauthorized";
    if (this.status === 403) return "forbidden";
    return "failed";
  }
}

/** One call; resolves to {status, ok, headers, text, json, ms} whatever the status. */
export async function call(method, path, { body, contentType } = {}) {
  const headers = authHeaders();
  if (contentType) headers.set("Content-Type", contentType);
  const started = performance.now();
  let response;
  try {
    response = await fetch(path, { method, headers, body, cache: "no-store", credentials: "omit", redirect: "error" });
  } catch {
    throw new APIError(0, "The gateway cannot be reached. Is it running?");
  }
  const text = await response.text();
  const ms = performance.now() - started;
  let json = null;
  if ((response.headers.get("Content-Type") || "").includes("json")) {
    try { json = JSON.parse(text); } catch { json = null; }
  }
  return { status: response.status, ok: response.ok, headers: response.headers, text, json, ms };
}

/** One call that must succeed: a non-2xx answer throws an APIError with the gateway's message. */
export async function request(method, path, options) {
  const answer = await call(method, path, options);
  if (!answer.ok) throw errorOf(answer);
  return answer;
}

export function errorOf(answer) {
  const message = (answer.json && answer.json.error) || answer.text.trim() || `HTTP ${answer.status}`;
  return new APIError(answer.status, message, answer.json && answer.json.details);
}

/**
 * Sections that need API parts this gateway may not have (async invocations, logs,
 * versions): asked once; "absent" when the route is unknown or refuses the form
 * (404, 400, 405), so the page shows that instead of an error.
 */
export async function probe(path) {
  const answer = await call("GET", path);
  if (answer.ok) return { state: "present", answer };
  if (answer.status === 401 || answer.status === 403) throw errorOf(answer);
  if ([400, 404, 405, 501].includes(answer.status)) return { state: "absent", answer };
  throw errorOf(answer);
}

export const paths = {
  functions: "/functions",
  health: "/health",
  metrics: "/metrics",
  deploy: (query) => "/deploy?" + query,
  source: (name) => "/function/" + encodeURIComponent(name),
  invoke: (name, async) => "/invoke?fn=" + encodeURIComponent(name) + (async ? "&async=true" : ""),
  versions: (name) => "/function/" + encodeURIComponent(name) + "/versions",
  rollback: (name, version) => "/function/" + encodeURIComponent(name) + "/rollback?version=" + encodeURIComponent(version),
  /** `GET /function/N/logs`: the last `tail` lines, those after `since` (a line's time), `follow` streams. */
  logs: (name, { tail = 100, since, follow } = {}) => "/function/" + encodeURIComponent(name) + "/logs?tail=" + tail
    + (since ? "&since=" + encodeURIComponent(since) : "") + (follow ? "&follow=1" : ""),
  invocations: (name) => "/invocations?limit=50" + (name ? "&fn=" + encodeURIComponent(name) : ""),
  invocationSummary: "/invocations/summary?recent=10",
};
