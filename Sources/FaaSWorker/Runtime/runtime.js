// MiniFaaS JavaScript runtime: one per (worker, function), inside the function's sandbox.
// Command line, frame format and reply kinds: README.md in this folder.
// "handler": the module is required once; its exported function (module.exports, or
// exports.handler / exports.default) is called per request; its (awaited) result is the output.
// "command": the program runs in a fresh V8 context per call, with its own globals, module
// object, process.stdin (the payload), process.stdout/stderr (captured) and timers; the call
// ends when the program has consumed stdin and no timer of its own is pending, or on exit().
// The nonce lives only in this file's closures, out of a command's context.
"use strict";
const fs = require("fs");
const util = require("util");

// The frame format (README.md), defined once for JavaScript.
const frame = {
  REQUEST_HEADER: 16, // u32 header length, u32 payload length, 8-byte nonce
  REPLY_HEADER: 26, // u8 kind, i32 code, u8 output type, u32 stdout, stderr and log lengths, 8-byte nonce
  NONCE_LENGTH: 8,
  kind: { EXITED: 0, SIGNALED: 1, OUTPUT_TOO_LARGE: 2, RUNTIME_ERROR: 3 },
  // The output is text (as is) or the JSON of a value.
  outputType: { TEXT: 0, JSON: 1 },

  request(nonce, payload, header = Buffer.from("{}")) {
    const lengths = Buffer.alloc(8);
    lengths.writeUInt32BE(header.length, 0);
    lengths.writeUInt32BE(payload.length, 4);
    return Buffer.concat([lengths, nonce, header, payload]);
  },

  reply(kind, code, nonce, out, err, log = Buffer.alloc(0), outputType = 0) {
    const header = Buffer.alloc(18);
    header.writeUInt8(kind, 0);
    header.writeInt32BE(code, 1);
    header.writeUInt8(outputType, 5);
    header.writeUInt32BE(out.length, 6);
    header.writeUInt32BE(err.length, 10);
    header.writeUInt32BE(log.length, 14);
    return Buffer.concat([header, nonce, out, err, log]);
  },

  /** Splits complete requests off the front of `buffered`: [[nonce, payload, header]...], rest. */
  takeRequests(buffered) {
    const requests = [];
    while (buffered.length >= frame.REQUEST_HEADER) {
      const headerLength = buffered.readUInt32BE(0), length = buffered.readUInt32BE(4);
      const end = frame.REQUEST_HEADER + headerLength + length;
      if (buffered.length < end) break;
      const nonce = Buffer.from(buffered.subarray(8, frame.REQUEST_HEADER));
      const header = buffered.subarray(frame.REQUEST_HEADER, frame.REQUEST_HEADER + headerLength);
      requests.push([nonce, buffered.subarray(frame.REQUEST_HEADER + headerLength, end), header]);
      buffered = buffered.subarray(end);
    }
    return [requests, buffered];
  },

  /** The first reply in `data` (the worker's side), or null when incomplete. */
  parseReply(data) {
    if (data.length < frame.REPLY_HEADER) return null;
    const outLength = data.readUInt32BE(6), errLength = data.readUInt32BE(10), logLength = data.readUInt32BE(14);
    const start = frame.REPLY_HEADER, end = start + outLength + errLength + logLength;
    if (data.length < end) return null;
    return {
      kind: data.readUInt8(0), code: data.readInt32BE(1), outputType: data.readUInt8(5), nonce: data.subarray(18, 26),
      out: data.subarray(start, start + outLength), err: data.subarray(start + outLength, start + outLength + errLength),
      log: data.subarray(start + outLength + errLength, end), rest: data.subarray(end),
    };
  },
};

/** Bytes written to one stream as log lines (`STREAM TEXT\n` each), at most `cap` bytes. */
function logLines(stream, data, cap) {
  if (!data.length) return Buffer.alloc(0);
  const lines = data.toString("utf8").split("\n");
  if (lines[lines.length - 1] === "") lines.pop();
  return capLog(Buffer.from(lines.map((line) => `${stream} ${line}\n`).join("")), cap);
}

function capLog(log, cap) {
  if (log.length <= cap) return log;
  const cut = log.lastIndexOf(10, cap - 40) + 1;
  return Buffer.concat([log.subarray(0, cut), Buffer.from("stderr [log truncated]\n")]);
}

/** A call's [stream, text] writes as log lines, in the order written, at most `cap` bytes. */
function renderLog(entries, cap) {
  const lines = [], partial = new Map();
  for (const [stream, text] of entries) {
    const pieces = text.split("\n");
    pieces[0] = (partial.get(stream) || "") + pieces[0];
    partial.delete(stream);
    for (const line of pieces.slice(0, -1)) lines.push(`${stream} ${line}\n`);
    if (pieces[pieces.length - 1]) partial.set(stream, pieces[pieces.length - 1]);
  }
  for (const [stream, line] of partial) lines.push(`${stream} ${line}\n`);
  return capLog(Buffer.from(lines.join("")), cap);
}

const HANDLER_NOT_CALLED = "the module exports a function but runs as a command (mode=command), which only runs the file: "
  + "the export was never called and nothing was printed. Deploy it with &mode=handler, or print the output.\n";

/** The function a handler module exports, or undefined. */
function exportedHandler(exported) {
  if (typeof exported === "function") return exported;
  if (exported && typeof exported.handler === "function") return exported.handler;
  if (exported && typeof exported.default === "function") return exported.default;
  return undefined;
}

/** exportedHandler for a command's module object, which may be anything (a throwing Proxy). */
function exportsHandler(moduleObject) {
  try { return exportedHandler(moduleObject.exports) !== undefined; } catch (e) { return false; }
}

/** A handler's return value as [output, output type]: a string or bytes as is (text),
 * undefined and null as nothing, anything else its JSON. */
function renderTyped(result) {
  const { TEXT, JSON: AS_JSON } = frame.outputType;
  if (result === undefined || result === null) return [Buffer.alloc(0), TEXT];
  if (Buffer.isBuffer(result)) return [result, TEXT];
  if (result instanceof Uint8Array) return [Buffer.from(result), TEXT];
  if (typeof result === "string") return [Buffer.from(result), TEXT];
  const text = JSON.stringify(result);
  return text === undefined ? [Buffer.alloc(0), TEXT] : [Buffer.from(text), AS_JSON];
}

const render = (result) => renderTyped(result)[0];

const errorText = (e) => String((e && e.stack) || e);

// Modules a command may not require: each leads back into the runtime's realm (vm and repl
// evaluate there, module loads anything unshimmed, inspector and v8 reach or reconfigure the
// isolate).
const SEALED_MODULES = new Set(["vm", "module", "repl", "inspector", "inspector/promises", "v8", "trace_events"]);
// The node options of a command runtime (the worker passes them, README.md): the runtime's own
// realm compiles no code from strings (Buffer.constructor("return process") throws) and its
// intrinsics are frozen (a call cannot pollute Object.prototype for the next one). Each call's
// context has fresh, writable intrinsics and may use eval.
const COMMAND_NODE_OPTIONS = ["--frozen-intrinsics", "--disallow-code-generation-from-strings"];
// The command call in progress: uncaught errors from its callbacks land there (else the log).
let current = null;

module.exports = {
  frame, exportedHandler, render, renderTyped, renderLog, logLines, emptyFolder, HANDLER_NOT_CALLED, COMMAND_NODE_OPTIONS,
  eventOf, proxyEvent, openwhiskParams, conventionOf,
};

function main(argv) {
  const [mode, code, capText, isolation, entrypoint = "handler"] = argv;
  if ((argv.length !== 4 && argv.length !== 5) || (mode !== "command" && mode !== "handler")) {
    fs.writeSync(2, "usage: runtime.js command|handler CODE CAP pidns|shared [ENTRYPOINT]\n");
    process.exit(2);
  }
  // "pidns": a PID namespace of our own (the sandbox), where kill(-1) reaches only what our
  // calls started. Anywhere else it would reach every process of our user.
  const isolated = isolation === "pidns";
  const cap = Number(capText);
  // console.log in a handler goes to the log, never into the protocol stream.
  const logLine = (...args) => fs.writeSync(2, util.format(...args) + "\n");
  // (A command's context has a console of its own; under --frozen-intrinsics this one is frozen.)
  if (!Object.isFrozen(console)) console.log = console.info = console.debug = logLine;
  process.stdout.write = (chunk) => { fs.writeSync(2, chunk); return true; };
  process.on("uncaughtException", (e) => { if (current) current.fail(e); else logLine(e); });
  process.on("unhandledRejection", (e) => { if (current) current.fail(e); else logLine(e); });

  const send = (bytes) => {
    let offset = 0;
    while (offset < bytes.length) {
      try {
        offset += fs.writeSync(4, bytes, offset);
      } catch (e) {
        if (e.code !== "EAGAIN") throw e;
      }
    }
  };

  const runner = mode === "handler" ? handlerRunner(code, cap, entrypoint) : commandRunner(code, cap);
  let queue = Promise.resolve();
  async function call(nonce, payload, header) {
    try {
      // A command's log is what it wrote to stderr (which also explains a failure).
      const [kind, status, out, err, log = logLines("stderr", err, cap), outputType = 0] = await runner(payload, header);
      send(frame.reply(kind, status, nonce, out, err, log, outputType));
    } finally {
      // Whatever the call started (child processes, detached or not) ends with it: in this PID
      // namespace, kill(-1) reaches every process but the sandbox's init and ourselves.
      if (isolated) {
        try { process.kill(-1, "SIGKILL"); } catch (e) { /* nothing else was running */ }
        // A command's calls each start with an empty /tmp (the sandbox's own tmpfs).
        if (mode === "command") emptyFolder("/tmp");
      }
    }
  }

  const requests = new (require("net").Socket)({ fd: 3, readable: true, writable: false });
  let buffered = Buffer.alloc(0);
  requests.on("data", (chunk) => {
    const [complete, rest] = frame.takeRequests(buffered.length ? Buffer.concat([buffered, chunk]) : chunk);
    buffered = rest;
    for (const [nonce, payload, header] of complete) queue = queue.then(() => call(nonce, payload, header));
  });
  requests.on("end", () => process.exit(0));
  requests.on("error", () => process.exit(0));
}

/** Removes everything inside `folder` (not the folder), whatever modes a call left on it. */
function emptyFolder(folder) {
  let names = [];
  try { names = fs.readdirSync(folder); } catch (e) { return; }
  for (const name of names) {
    const entry = folder + "/" + name;
    try {
      if (fs.lstatSync(entry).isDirectory()) fs.chmodSync(entry, 0o700);
      fs.rmSync(entry, { recursive: true, force: true });
    } catch (e) { /* best effort: the next call still gets a bounded /tmp */ }
  }
}

// Events and context: the peers' conventions (README.md, "Events").

/** How an entry point is called, by its name: OpenFaaS's handle(req) gets the body,
 * OpenWhisk's main(params) an object, anything else Lambda's (event, context[, callback]). */
function conventionOf(entrypoint) {
  return entrypoint === "handle" ? "openfaas" : entrypoint === "main" ? "openwhisk" : "lambda";
}

const isUtf8 = require("buffer").isUtf8 || ((bytes) => {
  try { new TextDecoder("utf-8", { fatal: true }).decode(bytes); return true; } catch (e) { return false; }
});

/** The body as a string when it is UTF-8, else a Buffer. */
const bodyValue = (payload) => (isUtf8(payload) ? payload.toString("utf8") : Buffer.from(payload));

function isJSONType(contentType) {
  const media = String(contentType || "").split(";")[0].trim().toLowerCase();
  return media === "application/json" || media.endsWith("+json");
}

/** The event for a body: its parsed JSON (mode json; or auto and the content type is JSON or
 * the body a JSON object or array), else the body (a string, or a Buffer when not UTF-8). */
function eventOf(payload, contentType, mode) {
  const body = bodyValue(payload);
  if (mode === "raw") return body;
  const text = typeof body === "string" ? body : null;
  if (mode === "json") {
    if (!payload.toString("latin1").trim()) return null;
    try {
      if (text === null) throw new Error("the payload is not UTF-8");
      return JSON.parse(text);
    } catch (e) {
      throw new Error(`the payload is not JSON (the function was deployed with &event=json): ${e.message}`);
    }
  }
  let start = 0;
  while (start < payload.length && (payload[start] === 32 || payload[start] === 9 || payload[start] === 10 || payload[start] === 13)) start++;
  const first = payload[start];
  if (text !== null && (first === 0x7b || first === 0x5b || isJSONType(contentType))) {
    try { return JSON.parse(text); } catch (e) { /* not JSON after all: the string */ }
  }
  return body;
}

/** Lower-cased names to values, repeated headers joined with commas (as Lambda does). */
function httpHeaders(http) {
  const headers = {};
  for (const [name, value] of http.headers || []) headers[name] = name in headers ? `${headers[name]},${value}` : value;
  return headers;
}

function queryParameters(query) {
  const parameters = {};
  for (const [name, value] of new URLSearchParams(query || "")) {
    parameters[name] = name in parameters ? `${parameters[name]},${value}` : value;
  }
  return parameters;
}

/** Lambda's function-URL (API Gateway v2 proxy) event for an HTTP request (/fn/). */
function proxyEvent(header, payload) {
  const http = header.http;
  const headers = httpHeaders(http);
  const now = new Date();
  const event = {
    version: "2.0", routeKey: "$default", rawPath: http.path || "/", rawQueryString: http.query || "", headers,
    requestContext: {
      accountId: "anonymous", apiId: header.function || "", domainName: headers.host || "",
      http: { method: http.method || "GET", path: http.path || "/", protocol: "HTTP/1.1", sourceIp: http.source_ip || "",
              userAgent: headers["user-agent"] || "" },
      requestId: header.request_id || "", routeKey: "$default", stage: "$default", time: now.toUTCString(), timeEpoch: now.getTime(),
    },
    isBase64Encoded: false,
  };
  if (headers.cookie) event.cookies = headers.cookie.split(";").map((c) => c.trim()).filter(Boolean);
  if (event.rawQueryString) event.queryStringParameters = queryParameters(event.rawQueryString);
  if (payload.length) {
    const body = bodyValue(payload);
    if (typeof body === "string") event.body = body;
    else [event.body, event.isBase64Encoded] = [body.toString("base64"), true];
  }
  return event;
}

/** OpenWhisk's params: the body's JSON object (and, through /fn/, the query's parameters and
 * __ow_method, __ow_headers, __ow_path, as its web actions give). */
function openwhiskParams(header, payload, mode) {
  const value = eventOf(payload, header.content_type, mode);
  const isObject = value !== null && typeof value === "object" && !Array.isArray(value) && !Buffer.isBuffer(value);
  let params = isObject ? { ...value } : {};
  if (payload.length && !isObject) params.__ow_body = Buffer.isBuffer(value) ? value.toString("base64") : (typeof value === "string" ? value : JSON.stringify(value));
  const http = header.http;
  if (http) {
    params = { ...queryParameters(http.query), ...params };
    params.__ow_method = String(http.method || "GET").toLowerCase();
    params.__ow_headers = httpHeaders(http);
    params.__ow_path = http.path || "/";
  }
  return params;
}

/** The entry point of the module at `code`: an export named `entrypoint` (for "handler", also
 * module.exports itself or exports.default), else a top-level function of that name. The
 * module is loaded as require would, plus one line at its end that reads the name. */
function loadEntry(code, entrypoint) {
  const Module = require("module");
  const path = require("path");
  if (!/^[A-Za-z_$][A-Za-z0-9_$]*$/.test(entrypoint)) throw new Error(`invalid entry point ${JSON.stringify(entrypoint)}`);
  const loaded = new Module(code, null);
  loaded.filename = code;
  loaded.paths = Module._nodeModulePaths(path.dirname(code));
  Module._cache[code] = loaded;
  const key = Symbol.for("minifaas.entry");
  const reader = `\n;try { module[Symbol.for("minifaas.entry")] = typeof ${entrypoint} === "function" ? ${entrypoint} : undefined; } catch (e) {}\n`;
  loaded._compile(fs.readFileSync(code, "utf8") + reader, code);
  loaded.loaded = true;
  const exported = loaded.exports;
  if (exported && typeof exported[entrypoint] === "function" && exported[entrypoint] !== Object.prototype[entrypoint]) return exported[entrypoint];
  if (entrypoint === "handler" && exportedHandler(exported)) return exportedHandler(exported);
  if (typeof loaded[key] === "function") return loaded[key];
  if (entrypoint === "handler") throw new Error("the module exports no function (module.exports = async (event, context) => ...)");
  throw new Error(`the module defines no function ${entrypoint} (the entry point), exported or top-level`);
}

/** The second argument of a Lambda-style handler, with Lambda's names. It reads the request
 * header only when a field is used (`header` parses it once). */
class Context {
  #header;
  #settle;

  constructor(header, settle) {
    this.#header = header;
    this.#settle = settle;
    this.callbackWaitsForEmptyEventLoop = true;
  }

  get functionName() { return String(this.#header().function || ""); }

  get functionVersion() { return String(this.#header().version ?? ""); }

  get awsRequestId() { return String(this.#header().request_id || ""); }

  get memoryLimitInMB() { return String(this.#header().memory_mb ?? ""); }

  get invokedFunctionArn() { return `arn:minifaas:function:${this.functionName}`; }

  get logGroupName() { return `/minifaas/${this.functionName}`; }

  get logStreamName() { return this.functionVersion; }

  getRemainingTimeInMillis() {
    const deadline = this.#header().deadline_ms;
    return deadline === undefined ? 0 : Math.max(0, Math.floor(deadline - Date.now()));
  }

  // Lambda's legacy completion methods (the callback form's).
  done(error, result) { this.#settle(error, result); }

  succeed(result) { this.#settle(null, result); }

  fail(error) { this.#settle(error || new Error("failed")); }

  toJSON() {
    const { functionName, functionVersion, awsRequestId, memoryLimitInMB, invokedFunctionArn, logGroupName, logStreamName } = this;
    return { functionName, functionVersion, awsRequestId, memoryLimitInMB, invokedFunctionArn, logGroupName, logStreamName };
  }
}

const ignore = () => {};

/** handler mode: (payload, header) => [kind, code, stdout, stderr, log, output type]. */
function handlerRunner(code, cap, entrypoint) {
  const none = Buffer.alloc(0);
  const convention = conventionOf(entrypoint);
  // What the handler prints goes to the call's log (between calls, nowhere).
  let entries = null, logged = 0;
  const write = (stream, chunk) => {
    const text = typeof chunk === "string" ? chunk : Buffer.from(chunk).toString("utf8");
    if (entries === null) return;
    if (logged <= 2 * cap) entries.push([stream, text]);
    logged += text.length;
  };
  const out = (...args) => write("stdout", util.format(...args) + "\n");
  const err = (...args) => write("stderr", util.format(...args) + "\n");
  if (!Object.isFrozen(console)) Object.assign(console, { log: out, info: out, debug: out, error: err, warn: err, trace: err });
  process.stdout.write = (chunk, encoding, callback) => { write("stdout", chunk); if (typeof callback === "function") callback(); return true; };
  process.stderr.write = (chunk, encoding, callback) => { write("stderr", chunk); if (typeof callback === "function") callback(); return true; };
  for (const event of ["uncaughtException", "unhandledRejection"]) {
    process.removeAllListeners(event);
    process.on(event, (e) => write("stderr", errorText(e) + "\n"));
  }

  let handler = null, loadError = null;
  try {
    handler = loadEntry(code, entrypoint);
  } catch (e) {
    loadError = Buffer.from(errorText(e));
  }
  const eventFor = (payload, header) => {
    const mode = header.event || "auto";
    if (convention === "openfaas") return eventOf(payload, null, mode === "json" ? "json" : "raw");
    if (convention === "openwhisk") return openwhiskParams(header, payload, mode);
    if (header.http) return proxyEvent(header, payload);
    return eventOf(payload, header.content_type, mode);
  };
  // The handler's result (awaited by the caller). In Lambda's callback form the call ends when
  // it calls back (or context.done/succeed/fail), or when what it returned settles with a value.
  const invoke = (event, header) => {
    if (handler.length < 3) return handler(event, new Context(header, ignore));
    return new Promise((resolve, reject) => {
      let settled = false;
      const settle = (error, result) => {
        if (settled) return;
        settled = true;
        if (error !== null && error !== undefined) reject(error); else resolve(result);
      };
      const returned = handler(event, new Context(header, settle), settle);
      if (returned && typeof returned.then === "function") returned.then((value) => { if (value !== undefined) settle(null, value); }, (error) => settle(error ?? new Error("rejected")));
    });
  };
  const empty = {};
  return async (payload, headerBytes = none) => {
    if (loadError) return [frame.kind.RUNTIME_ERROR, 1, none, loadError, none, 0];
    let parsed = null;
    const header = () => {
      if (parsed === null) {
        try { parsed = headerBytes.length ? JSON.parse(headerBytes.toString("utf8")) : {}; } catch (e) { parsed = {}; }
      }
      return parsed;
    };
    // A Lambda-style event needs from the header only the content type, the event mode and the
    // http request: when it names neither "json" nor "raw" nor "http", it is not parsed for the
    // event (the context parses it if the handler reads a field).
    const plain = convention === "lambda" && !headerBytes.includes("json") && !headerBytes.includes('"raw"') && !headerBytes.includes('"http"');
    entries = [];
    logged = 0;
    try {
      const [output, outputType] = renderTyped(await invoke(eventFor(payload, plain ? empty : header()), header));
      const log = entries.length ? renderLog(entries, cap) : none;
      if (output.length > cap) return [frame.kind.OUTPUT_TOO_LARGE, 0, none, none, log, 0];
      return [frame.kind.EXITED, 0, output, none, log, outputType];
    } catch (e) {
      return [frame.kind.EXITED, 1, none, Buffer.from(errorText(e)).subarray(-cap), entries.length ? renderLog(entries, cap) : none, 0];
    } finally {
      entries = null;
    }
  };
}

// Node's library objects (its modules, their classes and prototypes, the host functions a
// context is given) are the runtime's own and the same in every call: a call gets them hardened,
// the whole graph sealed read-only, so nothing it sets on them is seen by a later call (or hooks
// the runtime's own streams). Their writable data properties become accessors whose setter
// defines the property on the object written through (an instance, or a call's own object
// inheriting from a library one): a read-only prototype property would otherwise refuse
// `this.x = v` on its instances (the "override mistake"). Left writable: the few data
// properties node made writable but not configurable (EventEmitter.prototype[kCapture]), which
// can be neither frozen nor turned into accessors without breaking every instance, and the
// contents of typed arrays.
const hardened = new WeakSet();
function harden(root) {
  const pending = [root];
  while (pending.length) {
    const object = pending.pop();
    if ((typeof object !== "object" && typeof object !== "function") || object === null || hardened.has(object)) continue;
    hardened.add(object);
    pending.push(Reflect.getPrototypeOf(object));
    Object.preventExtensions(object);
    for (const key of Reflect.ownKeys(object)) {
      const descriptor = Reflect.getOwnPropertyDescriptor(object, key);
      if (!("value" in descriptor)) {
        pending.push(descriptor.get, descriptor.set);
        if (descriptor.configurable) Object.defineProperty(object, key, { configurable: false });
        continue;
      }
      pending.push(descriptor.value);
      if (!descriptor.configurable) continue;
      if (!descriptor.writable) {
        Object.defineProperty(object, key, { configurable: false });
        continue;
      }
      const value = descriptor.value;
      Object.defineProperty(object, key, {
        enumerable: descriptor.enumerable, configurable: false,
        get() { return value; },
        set(replacement) {
          if (this === object) throw new TypeError(`Cannot assign to ${String(key)}: node's library objects are shared by every call (mode=command)`);
          Object.defineProperty(this, key, { value: replacement, writable: true, enumerable: true, configurable: true });
        },
      });
    }
  }
  return root;
}

/** command mode: a fresh context per call. (payload) => [kind, code, stdout, stderr]. */
function commandRunner(code, cap) {
  const vm = require("vm");
  const path = require("path");
  const { Readable, Writable } = require("stream");
  const { Console } = require("console");
  // The command's own require: relative paths and node_modules/ from its file (a bundle's tree).
  const userRequire = require("module").createRequire(path.resolve(code));
  const none = Buffer.alloc(0);
  let program = null, loadError = null;
  try {
    program = new vm.Script(require("module").wrap(fs.readFileSync(code, "utf8")), { filename: code });
  } catch (e) {
    loadError = Buffer.from(errorText(e));
  }
  class ExitSignal { constructor(status) { this.code = status; } }
  // Host objects handed to every call's context are hardened: a call cannot leave a mark on
  // them for the next one (what it requires is hardened as it is required).
  for (const shared of [Buffer, URL, URLSearchParams, TextEncoder, TextDecoder, queueMicrotask, structuredClone, atob, btoa,
                        userRequire.resolve, Readable, Writable, Console, require("events"), fs]) {
    harden(shared);
  }

  const runOnce = (payload) => new Promise((resolve) => {
    const out = [], err = [];
    let outLength = 0, errLength = 0, finished = false, stdinEnded = false;
    const timers = new Set();
    const moduleObject = { exports: {}, filename: code, id: ".", loaded: false };
    const finish = (kind, status) => {
      if (finished) return;
      finished = true;
      current = null;
      for (const t of timers) { clearTimeout(t); clearInterval(t); clearImmediate(t); }
      timers.clear();
      if (kind === frame.kind.OUTPUT_TOO_LARGE) return resolve([kind, 0, none, none]);
      if (kind === frame.kind.EXITED && status === 0 && outLength === 0 && exportsHandler(moduleObject)) {
        // A handler module run as a command: never a silent empty success.
        return resolve([kind, 1, none, Buffer.concat([...err, Buffer.from(HANDLER_NOT_CALLED)])]);
      }
      resolve([kind, status, Buffer.concat(out), Buffer.concat(err)]);
    };
    const sink = (chunks, isOut) => new Writable({
      write(chunk, encoding, callback) {
        const buffer = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk, encoding);
        chunks.push(buffer);
        if (isOut) outLength += buffer.length; else errLength += buffer.length;
        if (outLength > cap || errLength > cap) finish(frame.kind.OUTPUT_TOO_LARGE, 0);
        callback();
      },
    });
    const stdout = sink(out, true), stderr = sink(err, false);
    const stdin = Readable.from(payload.length ? [payload] : []);
    stdin.on("end", () => { stdinEnded = true; });
    // A process object of the call's own, not one inheriting from node's: the real process
    // (its bindings, mainModule, our protocol's fds) is never reachable from the context.
    const own = (value) => ({ value, writable: true, configurable: true, enumerable: true });
    const events = new (require("events"))();
    const proc = Object.defineProperties({}, {
      stdin: own(stdin), stdout: own(stdout), stderr: own(stderr), argv: own([process.argv[0], code]),
      env: own({ ...process.env }), exitCode: own(undefined),
      exit: own((status) => { throw new ExitSignal(status === undefined ? (proc.exitCode || 0) : status); }),
      pid: own(process.pid), ppid: own(process.ppid), platform: own(process.platform), arch: own(process.arch),
      version: own(process.version), versions: own({ ...process.versions }), execPath: own(process.execPath),
      title: own(process.title), argv0: own(process.argv0),
      cwd: own(() => process.cwd()), uptime: own(() => process.uptime()), memoryUsage: own(() => process.memoryUsage()),
      hrtime: own(Object.assign((previous) => process.hrtime(previous), { bigint: () => process.hrtime.bigint() })),
      nextTick: own((fn, ...args) => process.nextTick(() => guard(() => fn(...args)))),
      kill: own((pid, signal) => process.kill(pid, signal)),
      on: own((...args) => { events.on(...args); return proc; }), once: own((...args) => { events.once(...args); return proc; }),
      off: own((...args) => { events.off(...args); return proc; }), emit: own((...args) => events.emit(...args)),
    });
    const fail = (e) => {
      if (e instanceof ExitSignal) return finish(frame.kind.EXITED, Number(e.code) | 0);
      stderr.write(errorText(e) + "\n");
      finish(frame.kind.EXITED, 1);
    };
    const guard = (body) => {
      try { body(); } catch (e) { fail(e); }
    };
    const track = (set) => (fn, ms, ...args) => {
      const handle = set(() => {
        if (set !== setInterval) timers.delete(handle);
        guard(() => fn(...args));
      }, ms);
      timers.add(handle);
      return handle;
    };
    const untrack = (clear) => (handle) => { timers.delete(handle); clear(handle); };
    current = { fail };
    const fsShim = Object.assign(Object.create(fs), {
      readFileSync(file, options) {
        if (file === 0 || file === "/dev/stdin") {
          stdinEnded = true;
          const encoding = typeof options === "string" ? options : options && options.encoding;
          return encoding ? payload.toString(encoding) : Buffer.from(payload);
        }
        return fs.readFileSync(file, options);
      },
    });
    const requireShim = (name) => {
      const bare = String(name).replace(/^node:/, "");
      if (bare === "fs") return fsShim;
      if (bare === "process") return proc;
      // Ways back into this runtime's own realm (its global, process and code): refused.
      if (SEALED_MODULES.has(bare)) throw new Error(`require("${bare}") is not available to a command (mode=command)`);
      return harden(userRequire(name));
    };
    requireShim.resolve = userRequire.resolve;
    const sandbox = {
      console: new Console({ stdout, stderr }), process: proc, Buffer, URL, URLSearchParams,
      TextEncoder, TextDecoder, queueMicrotask, structuredClone, atob, btoa,
      setTimeout: track(setTimeout), setInterval: track(setInterval), setImmediate: track(setImmediate),
      clearTimeout: untrack(clearTimeout), clearInterval: untrack(clearInterval), clearImmediate: untrack(clearImmediate),
    };
    sandbox.global = sandbox;
    const context = vm.createContext(sandbox, { codeGeneration: { strings: true, wasm: true } });
    guard(() => program.runInContext(context).call(moduleObject.exports, moduleObject.exports, requireShim,
                                                     moduleObject, code, path.dirname(code)));
    // Done once stdin is consumed (or nobody listens to it) and no timer of the program's is left.
    const settle = (idleRounds) => {
      if (finished) return;
      const waitingForInput = !stdinEnded && stdin.listenerCount("data") + stdin.listenerCount("readable") + stdin.listenerCount("end") > 1;
      if (waitingForInput || timers.size > 0) return setImmediate(() => settle(0));
      if (idleRounds < 2) return setImmediate(() => settle(idleRounds + 1));
      finish(frame.kind.EXITED, proc.exitCode === undefined ? 0 : Number(proc.exitCode) | 0);
    };
    setImmediate(() => settle(0));
  });

  return async (payload) => {
    if (loadError) return [frame.kind.EXITED, 1, none, loadError];
    return runOnce(payload);
  };
}

if (require.main === module) main(process.argv.slice(2));
