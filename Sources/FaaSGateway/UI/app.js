// The console's shell: hash routing between the pages, the sign-in form, the session bar and
// the banner for the gateway's state. Each page module exports render(main, context) and is
// loaded when its page is first shown, so a page transfers only what it uses.

import { apiKey, setAPIKey, call, errorOf, APIError } from "./api.js";
import { h, stateBox } from "./dom.js";

const main = document.getElementById("main");
const banner = document.getElementById("banner");
const session = document.getElementById("session");

// Pages that poll register a stop function here; leaving the page stops it.
let cleanups = [];
let generation = 0;

const ROUTES = [
  { pattern: /^#\/functions$/, nav: "functions", title: "Functions", load: () => import("./functions.js") },
  { pattern: /^#\/function\/([^/]+)$/, nav: "functions", title: "Function", load: () => import("./function.js") },
  { pattern: /^#\/deploy$/, nav: "deploy", title: "Deploy", load: () => import("./deploy.js") },
  { pattern: /^#\/overview$/, nav: "overview", title: "Overview", load: () => import("./overview.js") },
  { pattern: /^#\/invocations$/, nav: "invocations", title: "Invocations", load: () => import("./invocations.js") },
];

function showBanner(message) {
  banner.textContent = message || "";
  banner.hidden = !message;
}

function renderSession(authOff) {
  session.replaceChildren();
  if (authOff) {
    session.append(h("span.muted", "Open gateway (no key needed)"));
  } else if (apiKey()) {
    session.append(
      h("span.muted", "Signed in with a key"),
      h("button.link", { type: "button", on: { click: signOut } }, "Sign out"),
    );
  }
}

function signOut() {
  setAPIKey("");
  renderSession(false);
  route();
}

/** The sign-in form: shown when the gateway asks for a key (401) or refuses it (403). */
function signIn(error) {
  const input = h("input#api-key", { type: "password", name: "key", autocomplete: "off", required: true, spellcheck: "false" });
  const form = h("form.card.signin", { "aria-labelledby": "signin-title" },
    h("h1#signin-title", "Sign in"),
    error ? stateBox("error", error.status === 403 ? "Key refused (403)" : "Key needed (401)", error.message) : null,
    h("p", "This gateway needs an API key (", h("code", "Authorization: Bearer KEY"),
      "). It is kept in this browser tab only (sessionStorage) and sent to this gateway alone."),
    h("label", { for: "api-key" }, "API key"),
    input,
    h("button", { type: "submit" }, "Sign in"),
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    // Checked before it is kept: a refused key never stays in the session.
    setAPIKey(input.value.trim());
    let answer;
    try {
      answer = await call("GET", "/functions");
    } catch (error) {
      setAPIKey("");
      main.replaceChildren(errorBox(error));
      return;
    }
    if (answer.status === 401 || answer.status === 403) {
      setAPIKey("");
      return signIn(errorOf(answer));
    }
    renderSession(false);
    route();
  });
  main.replaceChildren(form);
  input.focus();
}

/** What the pages get: how to report failures uniformly. */
function context(signal) {
  return {
    signal,
    /** A failed call: sign in again on 401/403 (for calls every page needs), else a state box. */
    fail(error, where) {
      if (signal.stale) return;
      if (error instanceof APIError && (error.kind === "unauthorized" || (error.kind === "forbidden" && where === "page"))) {
        signIn(error);
        return;
      }
      if (error instanceof APIError && error.kind === "down") showBanner(error.message);
      const box = errorBox(error);
      if (where === "page" || !where) main.replaceChildren(box);
      else where.replaceChildren(box);
    },
    cleanup(stop) { cleanups.push(stop); },
    /** Draws the current page again (after a change such as a roll back). */
    reload() { if (!signal.stale) route(); },
  };
}

export function errorBox(error) {
  if (error instanceof APIError) {
    if (error.kind === "down") return stateBox("error", "Gateway down", error.message);
    if (error.kind === "forbidden") return stateBox("error", "Not allowed (403)", error.message, " Use a key with the needed scope.");
    if (error.kind === "unauthorized") return stateBox("error", "Key needed (401)", error.message);
    return stateBox("error", `Failed (${error.status})`, error.message);
  }
  return stateBox("error", "Something went wrong", String((error && error.message) || error));
}

let authOff = false;

async function route() {
  for (const stop of cleanups) stop();
  cleanups = [];
  generation += 1;
  const mine = generation;
  const signal = { get stale() { return mine !== generation; } };
  let hash = location.hash;
  if (!ROUTES.some((r) => r.pattern.test(hash))) {
    if (hash.startsWith("#/") || !hash) {
      history.replaceState(null, "", "#/functions");
      hash = "#/functions";
    } else {
      return; // an in-page anchor (the skip link)
    }
  }
  const entry = ROUTES.find((r) => r.pattern.test(hash));
  const parameter = decodeURIComponent((entry.pattern.exec(hash)[1]) || "");
  for (const link of document.querySelectorAll("[data-nav]")) {
    if (link.dataset.nav === entry.nav) link.setAttribute("aria-current", "page");
    else link.removeAttribute("aria-current");
  }
  document.title = `${parameter || entry.title} · MiniFaaS console`;
  // Does the gateway want a key? /health is open; a keyless /functions says 401 when it does.
  try {
    const health = await call("GET", "/health");
    if (signal.stale) return;
    showBanner(health.ok ? "" : "The gateway answers but its server is unreachable: invocations will fail.");
  } catch (error) {
    if (signal.stale) return;
    showBanner(error.message);
    main.replaceChildren(errorBox(error), h("p", h("button", { type: "button", on: { click: route } }, "Try again")));
    return;
  }
  if (!apiKey()) {
    const probe = await call("GET", "/functions").catch(() => null);
    if (signal.stale) return;
    authOff = !!probe && probe.ok;
    if (!authOff) {
      renderSession(false);
      return signIn(null);
    }
  }
  renderSession(authOff && !apiKey());
  let page;
  try {
    page = await entry.load();
  } catch {
    if (signal.stale) return;
    main.replaceChildren(errorBox(new APIError(0, "This page of the console could not be loaded. Is the gateway running?")),
      h("p", h("button", { type: "button", on: { click: route } }, "Try again")));
    return;
  }
  if (signal.stale) return;
  main.replaceChildren();
  try {
    await page.render(main, context(signal), parameter);
  } catch (error) {
    context(signal).fail(error, "page");
  }
  if (!signal.stale && document.activeElement === document.body) main.focus({ preventScroll: true });
}

document.getElementById("skip").addEventListener("click", (event) => {
  event.preventDefault();
  main.focus();
});
window.addEventListener("hashchange", route);
route();
