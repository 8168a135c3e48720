/// The language runtimes a worker starts inside a function's sandbox, kept here as source text
/// and written to a private folder at worker start (the sandbox binds them read-only).
enum RuntimeShims {
    static let python = #"""
# MiniFaaS Python runtime: one per (worker, function), inside the function's sandbox.
# The protocol is on fds 3 (requests) and 4 (replies); fd 0 is /dev/null, fds 1 and 2 go to the
# worker's log. Request: u32 big-endian payload length, 8-byte call nonce, payload. Reply:
#   u8 kind (0 exited, 1 killed by signal, 2 output too large, 3 runtime error), i32 code,
#   u32 stdout length, u32 stderr length, the nonce, stdout, stderr.
# The worker accepts a reply only with the nonce of the call in flight. A script runs in a forked
# child that never has the protocol descriptors; a handler runs in this process and could reach
# them, which can only disturb its own function (a runtime serves one function).
# "script": a warm zygote forks a fresh child per call that runs the program as __main__
# (SOCK, ATC'18): no state survives a call. "handler": the module is loaded once and
# handler(payload) is called per request; its return value is the output.
import io, os, resource, runpy, selectors, signal, struct, sys, time, traceback, types

MODE, CODE, CAP = sys.argv[1], sys.argv[2], int(sys.argv[3])
# "pidns": we run in a PID namespace of our own (the sandbox), where kill(-1) reaches only
# what our calls started. Anywhere else it would reach every process of our user.
ISOLATED = sys.argv[4] == "pidns"
CPU_SECONDS = int(sys.argv[5])
proto_in, proto_out = 3, 4
nonce = b""


def read_exact(n):
    chunks = []
    while n > 0:
        chunk = os.read(proto_in, min(n, 1 << 20))
        if not chunk:
            sys.exit(0)  # the worker closed the pipe: we are done
        chunks.append(chunk)
        n -= len(chunk)
    return b"".join(chunks)


def reply(kind, code, out, err):
    data = struct.pack(">BiII", kind, code, len(out), len(err)) + nonce + out + err
    view = memoryview(data)
    while view:
        view = view[os.write(proto_out, view):]


def requests():
    global nonce
    while True:
        (n,) = struct.unpack(">I", read_exact(4))
        nonce = read_exact(8)
        yield read_exact(n)
        # Whatever the call started (detached daemons included) ends with it: in our PID
        # namespace, kill(-1) reaches every process but the sandbox's init and ourselves.
        if ISOLATED:
            try:
                os.kill(-1, signal.SIGKILL)
            except OSError:
                pass


def run_script(payload):
    r_in, w_in = os.pipe()
    r_out, w_out = os.pipe()
    r_err, w_err = os.pipe()
    pid = os.fork()
    if pid == 0:
        try:
            os.setpgid(0, 0)  # its own group: whatever it forks is killed with it
            # The CPU limit is per call: the zygote's own time does not count.
            resource.setrlimit(resource.RLIMIT_CPU, (CPU_SECONDS, CPU_SECONDS))
            os.dup2(r_in, 0); os.dup2(w_out, 1); os.dup2(w_err, 2)
            for fd in (r_in, w_in, r_out, w_out, r_err, w_err, proto_in, proto_out):
                os.close(fd)
            signal.signal(signal.SIGPIPE, signal.SIG_DFL)
            # As a fresh python3 in a UTF-8 locale: undecodable bytes survive a read/print round
            # trip, and "\r" is not translated (newline="\n", as CPython's own stdio on Unix).
            sys.stdin = io.TextIOWrapper(io.BufferedReader(io.FileIO(0, "r", closefd=False)), encoding="utf-8", errors="surrogateescape", newline="\n")
            sys.stdout = io.TextIOWrapper(io.BufferedWriter(io.FileIO(1, "w", closefd=False)), encoding="utf-8", errors="surrogateescape", newline="\n")
            sys.stderr = io.TextIOWrapper(io.BufferedWriter(io.FileIO(2, "w", closefd=False)), encoding="utf-8", errors="backslashreplace", newline="\n", write_through=True)
            sys.argv = [CODE]
            code = 0
            try:
                if program is None:
                    sys.stderr.write(compile_error)
                    sys.stderr.flush()
                    os._exit(1)
                module = types.ModuleType("__main__")
                module.__file__ = CODE
                sys.modules["__main__"] = module
                exec(program, module.__dict__)
            except SystemExit as e:
                code = e.code if isinstance(e.code, int) else (0 if e.code is None else 1)
                if not isinstance(e.code, int) and e.code is not None:
                    print(e.code, file=sys.stderr)
            except BaseException:
                traceback.print_exc()
                code = 1
            try:
                sys.stdout.flush(); sys.stderr.flush()
            except BaseException:
                code = code or 1
            os._exit(code & 0xFF)
        finally:
            os._exit(70)
    os.close(r_in); os.close(w_out); os.close(w_err)
    out, err = bytearray(), bytearray()
    sel = selectors.DefaultSelector()
    os.set_blocking(w_in, False)
    pending = memoryview(payload)
    if pending:
        sel.register(w_in, selectors.EVENT_WRITE)
    else:
        os.close(w_in)
    sel.register(r_out, selectors.EVENT_READ, out)
    sel.register(r_err, selectors.EVENT_READ, err)
    open_readers, too_large, status, exited_at = 2, False, None, None
    while open_readers and not too_large:
        if status is None:
            done, st = os.waitpid(pid, os.WNOHANG)
            if done:
                status, exited_at = st, time.monotonic()
        # The program ended but something it forked still holds a pipe: do not wait for it.
        if exited_at is not None and time.monotonic() - exited_at > 0.05:
            break
        for key, _ in sel.select(timeout=0.05):
            if key.fd == w_in:
                try:
                    pending = pending[os.write(w_in, pending):]
                except (BrokenPipeError, BlockingIOError) as e:
                    if isinstance(e, BrokenPipeError):
                        pending = pending[len(pending):]
                if not pending:
                    sel.unregister(w_in); os.close(w_in)
                continue
            chunk = os.read(key.fd, 65536)
            if not chunk:
                sel.unregister(key.fd); os.close(key.fd); open_readers -= 1
                continue
            key.data.extend(chunk)
            if len(key.data) > CAP:
                too_large = True
    try:
        os.killpg(pid, signal.SIGKILL)  # the program on overflow, stray children always
    except OSError:
        pass
    for key in list(sel.get_map().values()):
        os.close(key.fd)
    sel.close()
    if status is None:
        _, status = os.waitpid(pid, 0)
    if too_large:
        return reply(2, 0, b"", b"")
    if os.WIFSIGNALED(status):
        return reply(1, os.WTERMSIG(status), bytes(out), bytes(err))
    reply(0, os.WEXITSTATUS(status), bytes(out), bytes(err))


def serve_handler():
    try:
        namespace = runpy.run_path(CODE, run_name="faas_function")
        handler = namespace.get("handler")
        if not callable(handler):
            raise RuntimeError("the module defines no handler(payload) function")
    except BaseException:
        failure = traceback.format_exc().encode()
        for _ in requests():
            reply(3, 1, b"", failure)
    for payload in requests():
        try:
            try:
                argument = payload.decode("utf-8")
            except UnicodeDecodeError:
                argument = payload
            result = handler(argument)
            if hasattr(result, "__await__"):
                import asyncio  # only for async handlers: it costs ~20 ms to import

                async def wait(awaitable):
                    return await awaitable

                result = asyncio.run(wait(result))
            if result is None:
                out = b""
            elif isinstance(result, (bytes, bytearray)):
                out = bytes(result)
            elif isinstance(result, str):
                out = result.encode()
            else:
                import json
                out = json.dumps(result).encode()
            if len(out) > CAP:
                reply(2, 0, b"", b"")
            else:
                reply(0, 0, out, b"")
        except BaseException:
            reply(0, 1, b"", traceback.format_exc().encode()[-CAP:])


if MODE == "handler":
    serve_handler()
else:
    # Compiled once in the zygote: each child only executes it (runpy would recompile and
    # re-import its machinery in every child, ~6 ms a call).
    program, compile_error = None, ""
    try:
        with open(CODE, "rb") as source:
            program = compile(source.read(), CODE, "exec")
    except BaseException:
        compile_error = traceback.format_exc()
    # Everything the zygote holds moves out of the collector's reach, so children do not
    # copy-on-write its heap just by collecting.
    import gc
    gc.collect()
    gc.freeze()
    for payload in requests():
        run_script(payload)
"""#

    static let javascript = #"""
// MiniFaaS JavaScript runtime: one per (worker, function), inside the function's sandbox.
// The protocol is on fds 3 (requests) and 4 (replies); fd 0 is /dev/null, fds 1 and 2 go to the
// worker's log. Request: u32 big-endian payload length, 8-byte call nonce, payload. Reply: u8
// kind (0 exited, 2 output too large, 3 runtime error), i32 code, u32 stdout length, u32 stderr
// length, the nonce, stdout, stderr. The nonce lives only in this file's closures, out of a
// script's context, and the worker accepts a reply only with the nonce of the call in flight.
// (A handler runs in this process and could reach it: it can only disturb its own function.)
// "handler": the module is required once; its exported function (module.exports, or
// exports.handler / exports.default) is called per request; its (awaited) result is the output.
// "script": the program runs in a fresh V8 context per call, with its own globals, module
// object, process.stdin (the payload), process.stdout/stderr (captured) and timers; the call
// ends when the program has consumed stdin and no timer of its own is pending, or on exit().
"use strict";
const fs = require("fs");
const util = require("util");
const [mode, code, capText, isolation] = process.argv.slice(2);
// "pidns": a PID namespace of our own (the sandbox), where kill(-1) reaches only what our calls
// started. Anywhere else it would reach every process of our user.
const isolated = isolation === "pidns";
const cap = Number(capText);
// console.log in a handler goes to the log, never into the protocol stream.
const logLine = (...args) => fs.writeSync(2, util.format(...args) + "\n");
console.log = console.info = console.debug = logLine;
process.stdout.write = (chunk) => { fs.writeSync(2, chunk); return true; };

function reply(nonce, kind, status, out, err) {
  const header = Buffer.alloc(13);
  header.writeUInt8(kind, 0);
  header.writeInt32BE(status, 1);
  header.writeUInt32BE(out.length, 5);
  header.writeUInt32BE(err.length, 9);
  const frame = Buffer.concat([header, nonce, out, err]);
  let offset = 0;
  while (offset < frame.length) {
    try {
      offset += fs.writeSync(4, frame, offset);
    } catch (e) {
      if (e.code !== "EAGAIN") throw e;
    }
  }
}

let handler = null;
let loadError = null;
if (mode === "handler") try {
  const mod = require(code);
  handler = typeof mod === "function" ? mod : (mod && (mod.handler || mod.default));
  if (typeof handler !== "function") throw new Error("the module exports no function (module.exports = async (payload) => ...)");
} catch (e) {
  loadError = Buffer.from(String(e && e.stack || e));
}

function render(result) {
  if (result === undefined || result === null) return Buffer.alloc(0);
  if (Buffer.isBuffer(result)) return result;
  if (result instanceof Uint8Array) return Buffer.from(result);
  if (typeof result === "string") return Buffer.from(result);
  return Buffer.from(JSON.stringify(result));
}

// ---- script mode: a fresh context per call ----
const vm = require("vm");
const path = require("path");
const { Readable, Writable } = require("stream");
const { Console } = require("console");
let program = null;
if (mode === "script") {
  try {
    program = new vm.Script(require("module").wrap(fs.readFileSync(code, "utf8")), { filename: code });
  } catch (e) {
    loadError = Buffer.from(String(e && e.stack || e));
  }
}
class ExitSignal { constructor(code) { this.code = code; } }
let current = null;  // the call in progress: uncaught errors from its callbacks land there
process.on("uncaughtException", (e) => { if (current) current.fail(e); else logLine(e); });
process.on("unhandledRejection", (e) => { if (current) current.fail(e); else logLine(e); });

function runScript(payload) {
  return new Promise((resolve) => {
    const out = [], err = [];
    let outLength = 0, errLength = 0, finished = false, stdinEnded = false, exitCode = 0;
    const timers = new Set();
    const finish = (kind, status) => {
      if (finished) return;
      finished = true;
      current = null;
      for (const t of timers) { clearTimeout(t); clearInterval(t); clearImmediate(t); }
      timers.clear();
      resolve([kind, status, Buffer.concat(out), Buffer.concat(err)]);
    };
    const sink = (chunks, isOut) => new Writable({
      write(chunk, encoding, callback) {
        const buffer = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk, encoding);
        chunks.push(buffer);
        if (isOut) outLength += buffer.length; else errLength += buffer.length;
        if (outLength > cap || errLength > cap) finish(2, 0);
        callback();
      },
    });
    const stdout = sink(out, true), stderr = sink(err, false);
    const stdin = Readable.from(payload.length ? [payload] : []);
    stdin.on("end", () => { stdinEnded = true; });
    // process's own stdin/stdout/stderr are getters: shadow them with plain properties.
    const own = (value) => ({ value, writable: true, configurable: true, enumerable: true });
    const proc = Object.create(process, {
      stdin: own(stdin), stdout: own(stdout), stderr: own(stderr), argv: own([process.argv[0], code]),
      env: own({ ...process.env }), exitCode: own(undefined),
      exit: own((status) => { throw new ExitSignal(status === undefined ? (proc.exitCode || 0) : status); }),
    });
    const track = (set, clear) => (fn, ms, ...args) => {
      const handle = set(() => {
        if (set !== setInterval) timers.delete(handle);
        guard(() => fn(...args));
      }, ms);
      timers.add(handle);
      return handle;
    };
    const untrack = (clear) => (handle) => { timers.delete(handle); clear(handle); };
    const guard = (body) => {
      try { body(); } catch (e) { fail(e); }
    };
    const fail = (e) => {
      if (e instanceof ExitSignal) return finish(0, Number(e.code) | 0);
      stderr.write(String(e && e.stack || e) + "\n");
      finish(0, 1);
    };
    current = { fail };
    const realFs = require("fs");
    const fsShim = Object.assign(Object.create(realFs), {
      readFileSync(file, options) {
        if (file === 0 || file === "/dev/stdin") {
          stdinEnded = true;
          const encoding = typeof options === "string" ? options : options && options.encoding;
          return encoding ? payload.toString(encoding) : Buffer.from(payload);
        }
        return realFs.readFileSync(file, options);
      },
    });
    const moduleObject = { exports: {}, filename: code, id: ".", loaded: false };
    const requireShim = (name) => (name === "fs" || name === "node:fs") ? fsShim : require(name);
    requireShim.resolve = require.resolve;
    const sandbox = {
      console: new Console({ stdout, stderr }), process: proc, Buffer, URL, URLSearchParams,
      TextEncoder, TextDecoder, queueMicrotask, structuredClone, atob, btoa,
      setTimeout: track(setTimeout), setInterval: track(setInterval), setImmediate: track(setImmediate),
      clearTimeout: untrack(clearTimeout), clearInterval: untrack(clearInterval), clearImmediate: untrack(clearImmediate),
    };
    sandbox.global = sandbox;
    const context = vm.createContext(sandbox);
    guard(() => program.runInContext(context).call(moduleObject.exports, moduleObject.exports, requireShim,
                                                     moduleObject, code, path.dirname(code)));
    // Done once stdin is consumed (or nobody listens to it) and no timer of the program's is left.
    const settle = (idleRounds) => {
      if (finished) return;
      const waitingForInput = !stdinEnded && stdin.listenerCount("data") + stdin.listenerCount("readable") + stdin.listenerCount("end") > 1;
      if (waitingForInput || timers.size > 0) return setImmediate(() => settle(0));
      if (idleRounds < 2) return setImmediate(() => settle(idleRounds + 1));
      finish(0, proc.exitCode === undefined ? 0 : Number(proc.exitCode) | 0);
    };
    setImmediate(() => settle(0));
  });
}

// Host objects handed to every call's context are frozen: a call cannot leave a mark on them
// for the next one.
for (const shared of [Buffer, URL, URLSearchParams, TextEncoder, TextDecoder]) {
  Object.freeze(shared);
  Object.freeze(shared.prototype);
}

let queue = Promise.resolve();
async function call(nonce, payload) {
  try {
    await answer(nonce, payload);
  } finally {
    // Whatever the call started (child processes, detached or not) ends with it: in this PID
    // namespace, kill(-1) reaches every process but the sandbox's init and ourselves.
    if (isolated) {
      try { process.kill(-1, "SIGKILL"); } catch (e) { /* nothing else was running */ }
    }
  }
}

async function answer(nonce, payload) {
  const none = Buffer.alloc(0);
  if (mode === "script") {
    if (loadError) return reply(nonce, 0, 1, none, loadError);
    const [kind, status, out, err] = await runScript(payload);
    return reply(nonce, kind, status, kind === 2 ? none : out, kind === 2 ? none : err);
  }
  if (loadError) return reply(nonce, 3, 1, none, loadError);
  try {
    const out = render(await handler(payload.toString("utf8")));
    if (out.length > cap) return reply(nonce, 2, 0, none, none);
    reply(nonce, 0, 0, out, none);
  } catch (e) {
    reply(nonce, 0, 1, none, Buffer.from(String(e && e.stack || e)));
  }
}

const requests = new (require("net").Socket)({ fd: 3, readable: true, writable: false });
let buffered = Buffer.alloc(0);
requests.on("data", (chunk) => {
  buffered = buffered.length ? Buffer.concat([buffered, chunk]) : chunk;
  while (buffered.length >= 12) {
    const length = buffered.readUInt32BE(0);
    if (buffered.length < 12 + length) break;
    const nonce = Buffer.from(buffered.subarray(4, 12));
    const payload = buffered.subarray(12, 12 + length);
    buffered = buffered.subarray(12 + length);
    queue = queue.then(() => call(nonce, payload));
  }
});
requests.on("end", () => process.exit(0));
requests.on("error", () => process.exit(0));
"""#
}
