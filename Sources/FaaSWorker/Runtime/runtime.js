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
  REQUEST_HEADER: 12, // u32 payload length, 8-byte nonce
  REPLY_HEADER: 21, // u8 kind, i32 code, u32 stdout length, u32 stderr length, 8-byte nonce
  NONCE_LENGTH: 8,
  kind: { EXITED: 0, SIGNALED: 1, OUTPUT_TOO_LARGE: 2, RUNTIME_ERROR: 3 },

  request(nonce, payload) {
    const header = Buffer.alloc(4);
    header.writeUInt32BE(payload.length, 0);
    return Buffer.concat([header, nonce, payload]);
  },

  reply(kind, code, nonce, out, err) {
    const header = Buffer.alloc(13);
    header.writeUInt8(kind, 0);
    header.writeInt32BE(code, 1);
    header.writeUInt32BE(out.length, 5);
    header.writeUInt32BE(err.length, 9);
    return Buffer.concat([header, nonce, out, err]);
  },

  /** Splits complete requests off the front of `buffered`: [[nonce, payload]...], rest. */
  takeRequests(buffered) {
    const requests = [];
    while (buffered.length >= frame.REQUEST_HEADER) {
      const length = buffered.readUInt32BE(0);
      if (buffered.length < frame.REQUEST_HEADER + length) break;
      const nonce = Buffer.from(buffered.subarray(4, frame.REQUEST_HEADER));
      requests.push([nonce, buffered.subarray(frame.REQUEST_HEADER, frame.REQUEST_HEADER + length)]);
      buffered = buffered.subarray(frame.REQUEST_HEADER + length);
    }
    return [requests, buffered];
  },

  /** The first reply in `data` (the worker's side), or null when incomplete. */
  parseReply(data) {
    if (data.length < frame.REPLY_HEADER) return null;
    const outLength = data.readUInt32BE(5), errLength = data.readUInt32BE(9);
    const end = frame.REPLY_HEADER + outLength + errLength;
    if (data.length < end) return null;
    return {
      kind: data.readUInt8(0), code: data.readInt32BE(1), nonce: data.subarray(13, 21),
      out: data.subarray(21, 21 + outLength), err: data.subarray(21 + outLength, end), rest: data.subarray(end),
    };
  },
};

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

function render(result) {
  if (result === undefined || result === null) return Buffer.alloc(0);
  if (Buffer.isBuffer(result)) return result;
  if (result instanceof Uint8Array) return Buffer.from(result);
  if (typeof result === "string") return Buffer.from(result);
  return Buffer.from(JSON.stringify(result));
}

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

module.exports = { frame, exportedHandler, render, emptyFolder, HANDLER_NOT_CALLED, COMMAND_NODE_OPTIONS };

function main(argv) {
  const [mode, code, capText, isolation] = argv;
  if (argv.length !== 4 || (mode !== "command" && mode !== "handler")) {
    fs.writeSync(2, "usage: runtime.js command|handler CODE CAP pidns|shared\n");
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

  const runner = mode === "handler" ? handlerRunner(code, cap) : commandRunner(code, cap);
  let queue = Promise.resolve();
  async function call(nonce, payload) {
    try {
      const [kind, status, out, err] = await runner(payload);
      send(frame.reply(kind, status, nonce, out, err));
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
    for (const [nonce, payload] of complete) queue = queue.then(() => call(nonce, payload));
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

/** handler mode: (payload) => [kind, code, stdout, stderr]. */
function handlerRunner(code, cap) {
  const none = Buffer.alloc(0);
  let handler = null, loadError = null;
  try {
    handler = exportedHandler(require(code));
    if (typeof handler !== "function") throw new Error("the module exports no function (module.exports = async (payload) => ...)");
  } catch (e) {
    loadError = Buffer.from(errorText(e));
  }
  return async (payload) => {
    if (loadError) return [frame.kind.RUNTIME_ERROR, 1, none, loadError];
    try {
      const out = render(await handler(payload.toString("utf8")));
      if (out.length > cap) return [frame.kind.OUTPUT_TOO_LARGE, 0, none, none];
      return [frame.kind.EXITED, 0, out, none];
    } catch (e) {
      return [frame.kind.EXITED, 1, none, Buffer.from(errorText(e))];
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
