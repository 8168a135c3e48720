// Small DOM helpers: every text goes in through textContent, never as HTML.

/** h("tag.class#id", {attr: value, on: {event: fn}}, ...children) */
export function h(spec, attributes, ...children) {
  const [, tag, rest] = spec.match(/^([a-z0-9]+)(.*)$/i);
  const element = document.createElement(tag);
  for (const part of rest.match(/[.#][^.#]+/g) || []) {
    if (part[0] === ".") element.classList.add(part.slice(1));
    else element.id = part.slice(1);
  }
  if (attributes && (typeof attributes !== "object" || attributes instanceof Node || Array.isArray(attributes))) {
    children.unshift(attributes);
    attributes = null;
  }
  for (const [name, value] of Object.entries(attributes || {})) {
    if (name === "on") {
      for (const [event, handler] of Object.entries(value)) element.addEventListener(event, handler);
    } else if (value === true) {
      element.setAttribute(name, "");
    } else if (value !== false && value !== null && value !== undefined) {
      element.setAttribute(name, String(value));
    }
  }
  append(element, children);
  return element;
}

function append(element, children) {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    if (Array.isArray(child)) append(element, child);
    else element.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

/** A state box: "empty", "error" or "absent" (a part of the API this gateway lacks). */
export function stateBox(kind, title, ...body) {
  return h("div.state.state-" + kind, { role: kind === "error" ? "alert" : "status" }, h("strong", title), h("p", ...body));
}

export function formatBytes(bytes) {
  if (bytes === null || bytes === undefined) return "–";
  if (bytes < 1024) return bytes + " B";
  if (bytes < 1024 * 1024) return (bytes / 1024).toFixed(1) + " KiB";
  return (bytes / 1024 / 1024).toFixed(1) + " MiB";
}

export function formatDate(text) {
  // The store writes seconds since the epoch; ISO 8601 is read too.
  const date = /^\d+(\.\d+)?$/.test(String(text)) ? new Date(Number(text) * 1000) : new Date(text);
  if (Number.isNaN(date.getTime())) return text || "–";
  return date.toLocaleString(undefined, { dateStyle: "medium", timeStyle: "short" });
}

export function formatMs(ms) {
  return ms < 10 ? ms.toFixed(1) + " ms" : Math.round(ms) + " ms";
}

let counter = 0;
/** A fresh id for label/aria wiring. */
export function uid(prefix) {
  counter += 1;
  return `${prefix}-${counter}`;
}
