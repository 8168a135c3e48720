// Tests of runtime.js: the frame format, and a real runtime process driven over fds 3 and 4
// as the worker drives it (without the sandbox: isolation "shared").
// Run: node --test Sources/FaaSWorker/Runtime/
"use strict";
const test = require("node:test");
const assert = require("node:assert/strict");
const { spawn } = require("node:child_process");
const fs = require("node:fs");
const os = require("node:os");
const path = require("node:path");
const { frame, exportedHandler, render, renderTyped, renderLog, logLines, emptyFolder, COMMAND_NODE_OPTIONS } = require("./runtime.js");

const CAP = 4096;
const { EXITED, SIGNALED, OUTPUT_TOO_LARGE, RUNTIME_ERROR } = frame.kind;

/** A runtime.js process and the worker's end of its fds 3 and 4. */
class Runtime {
  constructor(t, mode, source, cap = CAP, entrypoint = undefined) {
    this.folder = fs.mkdtempSync(path.join(os.tmpdir(), "runtime-js-test-"));
    this.code = path.join(this.folder, "code.js");
    fs.writeFileSync(this.code, source);
    const options = mode === "command" ? COMMAND_NODE_OPTIONS : [];
    this.child = spawn(process.execPath, [...options, path.join(__dirname, "runtime.js"), mode, this.code, String(cap), "shared",
                                                  ...(entrypoint ? [entrypoint] : [])],
                       { stdio: ["ignore", "ignore", "pipe", "pipe", "pipe"] });
    this.stderr = "";
    this.child.stderr.on("data", (chunk) => { this.stderr += chunk; });
    this.received = Buffer.alloc(0);
    this.waiting = null;
    this.child.stdio[4].on("data", (chunk) => {
      this.received = Buffer.concat([this.received, chunk]);
      this.deliver();
    });
    this.exited = new Promise((resolve) => this.child.on("exit", (code, signal) => {
      resolve([code, signal]);
      if (this.waiting) this.waiting.reject(new Error(`the runtime exited (${code}, ${signal}): ${this.stderr}`));
    }));
    this.counter = 0;
    this.log = "";
    this.outputType = 0; // the last call's
    t.after(() => this.stop());
  }

  deliver() {
    const reply = frame.parseReply(this.received);
    if (!reply || !this.waiting) return;
    this.received = Buffer.from(reply.rest);
    const { resolve, nonce } = this.waiting;
    this.waiting = null;
    assert.deepEqual(reply.nonce, nonce, "the reply carries the call's nonce");
    this.log = reply.log.toString();
    this.outputType = reply.outputType;
    resolve([reply.kind, reply.code, reply.out.toString("latin1"), reply.err.toString()]);
  }

  /** [kind, code, stdout (latin1), stderr] of one call (its log and output type in this.log, this.outputType). */
  call(payload, header = {}) {
    const nonce = Buffer.alloc(frame.NONCE_LENGTH);
    nonce.writeUInt32BE(++this.counter, 4);
    return new Promise((resolve, reject) => {
      this.waiting = { resolve, reject, nonce };
      this.child.stdio[3].write(frame.request(nonce, Buffer.from(payload), Buffer.from(JSON.stringify(header))));
    });
  }

  async stop() {
    this.child.stdio[3].end();
    const timer = setTimeout(() => this.child.kill("SIGKILL"), 10_000);
    await this.exited;
    clearTimeout(timer);
    fs.rmSync(this.folder, { recursive: true, force: true });
  }
}

test("frame: request and reply layout", () => {
  const nonce = Buffer.from("NONCE-01");
  assert.deepEqual(frame.request(nonce, Buffer.from("abc"), Buffer.from("{}")),
                   Buffer.concat([Buffer.from([0, 0, 0, 2, 0, 0, 0, 3]), nonce, Buffer.from("{}abc")]));
  const reply = frame.reply(SIGNALED, -2, nonce, Buffer.from("out"), Buffer.from("error"), Buffer.from("stderr x\n"), 1);
  assert.equal(reply.length, frame.REPLY_HEADER + 17);
  assert.deepEqual(reply.subarray(0, 18), Buffer.from([1, 255, 255, 255, 254, 1, 0, 0, 0, 3, 0, 0, 0, 5, 0, 0, 0, 9]));
  const parsed = frame.parseReply(Buffer.concat([reply, Buffer.from("next")]));
  assert.equal(parsed.kind, SIGNALED);
  assert.equal(parsed.code, -2);
  assert.equal(parsed.outputType, 1);
  assert.equal(parsed.out.toString(), "out");
  assert.equal(parsed.err.toString(), "error");
  assert.equal(parsed.log.toString(), "stderr x\n");
  assert.equal(parsed.rest.toString(), "next");
  assert.equal(frame.parseReply(reply.subarray(0, reply.length - 1)), null, "incomplete");
  assert.deepEqual([EXITED, SIGNALED, OUTPUT_TOO_LARGE, RUNTIME_ERROR], [0, 1, 2, 3]);
});

test("log lines", () => {
  assert.equal(logLines("stderr", Buffer.from("a\nb"), 100).toString(), "stderr a\nstderr b\n");
  assert.equal(logLines("stderr", Buffer.alloc(0), 100).length, 0);
  assert.equal(renderLog([["stdout", "a\npart"], ["stderr", "e\n"], ["stdout", "ial\n"], ["stderr", "end"]], 100).toString(),
               "stdout a\nstderr e\nstdout partial\nstderr end\n");
  const capped = logLines("stderr", Buffer.from("x\n".repeat(100)), 60);
  assert.ok(capped.length <= 60 && capped.toString().endsWith("stderr [log truncated]\n"), capped.toString());
});

test("frame: requests split across and within chunks", () => {
  const one = frame.request(Buffer.alloc(8, 1), Buffer.from("first"));
  const two = frame.request(Buffer.alloc(8, 2), Buffer.alloc(0));
  const all = Buffer.concat([one, two]);
  const [complete, rest] = frame.takeRequests(all.subarray(0, all.length - 3));
  assert.equal(complete.length, 1);
  assert.equal(complete[0][1].toString(), "first");
  const [later] = frame.takeRequests(Buffer.concat([rest, all.subarray(all.length - 3)]));
  assert.equal(later.length, 1);
  assert.deepEqual(later[0][0], Buffer.alloc(8, 2));
  assert.equal(later[0][1].length, 0);
});

test("exportedHandler and render", () => {
  const f = () => 1;
  assert.equal(exportedHandler(f), f);
  assert.equal(exportedHandler({ handler: f }), f);
  assert.equal(exportedHandler({ default: f }), f);
  assert.equal(exportedHandler({}), undefined);
  assert.equal(exportedHandler({ handler: 3 }), undefined);
  assert.equal(render(undefined).length, 0);
  assert.equal(render({ a: 1 }).toString(), '{"a":1}');
  assert.equal(render(new Uint8Array([255]))[0], 255);
  assert.deepEqual(renderTyped(3), [Buffer.from("3"), frame.outputType.JSON]);
  assert.deepEqual(renderTyped(null), [Buffer.alloc(0), frame.outputType.TEXT]);
});

test("command: stdin to stdout", async (t) => {
  const rt = new Runtime(t, "command", "const s = require('fs').readFileSync(0, 'utf8'); console.log('Hello, ' + s);");
  assert.deepEqual(await rt.call("World"), [EXITED, 0, "Hello, World\n", ""]);
  assert.deepEqual(await rt.call(""), [EXITED, 0, "Hello, \n", ""]);
});

test("command: process.stdin events and timers", async (t) => {
  const rt = new Runtime(t, "command", `
    let data = "";
    process.stdin.on("data", (c) => { data += c; });
    process.stdin.on("end", () => setTimeout(() => process.stdout.write("late " + data), 20));`);
  assert.deepEqual(await rt.call("x"), [EXITED, 0, "late x", ""]);
});

test("command: no state survives a call", async (t) => {
  const rt = new Runtime(t, "command", "globalThis.n = (globalThis.n || 0) + 1; console.log(n);");
  for (let i = 0; i < 3; i++) assert.deepEqual(await rt.call(""), [EXITED, 0, "1\n", ""]);
});

test("command: exit status, exceptions, syntax errors", async (t) => {
  const exits = new Runtime(t, "command", "console.error('bad'); process.exit(3);");
  assert.deepEqual(await exits.call(""), [EXITED, 3, "", "bad\n"]);
  assert.equal(exits.log, "stderr bad\n", "a command's stderr is its log");
  const throws = new Runtime(t, "command", "throw new TypeError('boom');");
  const [kind, code, , err] = await throws.call("");
  assert.deepEqual([kind, code], [EXITED, 1]);
  assert.match(err, /TypeError: boom/);
  const broken = new Runtime(t, "command", "function (");
  const [kind2, code2, , err2] = await broken.call("");
  assert.deepEqual([kind2, code2], [EXITED, 1]);
  assert.match(err2, /SyntaxError/);
});

test("command: output over the cap", async (t) => {
  const rt = new Runtime(t, "command", "process.stdout.write('x'.repeat(5000));", 1000);
  assert.deepEqual(await rt.call(""), [OUTPUT_TOO_LARGE, 0, "", ""]);
});

test("command: printing nothing is an empty success", async (t) => {
  const rt = new Runtime(t, "command", "require('fs').readFileSync(0);");
  assert.deepEqual(await rt.call("x"), [EXITED, 0, "", ""]);
});

test("command: a module exporting a handler and printing nothing is not a silent success", async (t) => {
  // issue 17: `let n=0; module.exports = ...` on one line ran as a command and answered "".
  const rt = new Runtime(t, "command", "let n=0; module.exports = () => String(++n);");
  const [kind, code, out, err] = await rt.call("");
  assert.deepEqual([kind, code, out], [EXITED, 1, ""]);
  assert.match(err, /mode=handler/);
  const named = new Runtime(t, "command", "exports.handler = async (p) => p;");
  assert.equal((await named.call(""))[1], 1);
  const printing = new Runtime(t, "command", "module.exports = (p) => p; console.log(module.exports('printed'));");
  assert.deepEqual(await printing.call(""), [EXITED, 0, "printed\n", ""]);
});

test("handler: results, state, payload as a string", async (t) => {
  const rt = new Runtime(t, "handler", "let n=0; module.exports = (p) => p === 'json' ? { n: ++n } : String(++n) + p;");
  assert.deepEqual(await rt.call("a"), [EXITED, 0, "1a", ""]);
  assert.equal(rt.outputType, frame.outputType.TEXT);
  assert.deepEqual(await rt.call("json"), [EXITED, 0, '{"n":2}', ""]);
  assert.equal(rt.outputType, frame.outputType.JSON);
  assert.deepEqual(await rt.call("é"), [EXITED, 0, Buffer.from("3é").toString("latin1"), ""]);
});

test("handler: exports.handler, async, Buffer results", async (t) => {
  const rt = new Runtime(t, "handler", "exports.handler = async (p) => Buffer.from([0xff, p.length]);");
  assert.deepEqual(await rt.call("abc"), [EXITED, 0, "\xff\x03", ""]);
});

test("handler: a throw is exit 1 and the next call works", async (t) => {
  const rt = new Runtime(t, "handler", "module.exports = (p) => { if (p === 'fail') throw new Error('nope'); return 'ok'; };");
  const [kind, code, out, err] = await rt.call("fail");
  assert.deepEqual([kind, code, out], [EXITED, 1, ""]);
  assert.match(err, /Error: nope/);
  assert.deepEqual(await rt.call("x"), [EXITED, 0, "ok", ""]);
});

test("handler: output over the cap", async (t) => {
  const rt = new Runtime(t, "handler", "module.exports = () => 'x'.repeat(5000);", 1000);
  assert.deepEqual(await rt.call(""), [OUTPUT_TOO_LARGE, 0, "", ""]);
});

test("handler: what it prints goes to the log, not its output", async (t) => {
  const rt = new Runtime(t, "handler", `module.exports = () => {
    console.log('log', 1); console.error('warned'); process.stdout.write('raw'); process.stderr.write('e\\n'); return 'result'; };`);
  assert.deepEqual(await rt.call(""), [EXITED, 0, "result", ""]);
  assert.equal(rt.log, "stdout log 1\nstderr warned\nstderr e\nstdout raw\n");
  await rt.call("");
  assert.equal(rt.log.split("log 1").length, 2, "each call's own lines");
  const failing = new Runtime(t, "handler", "module.exports = () => { console.log('before'); throw new Error('boom'); };");
  const [kind, code, , err] = await failing.call("");
  assert.deepEqual([kind, code], [EXITED, 1]);
  assert.match(err, /boom/);
  assert.equal(failing.log, "stdout before\n");
});

test("handler: a module without an exported function is a runtime error", async (t) => {
  const rt = new Runtime(t, "handler", "module.exports = { notAFunction: 1 };");
  const [kind, code, out, err] = await rt.call("");
  assert.deepEqual([kind, code, out], [RUNTIME_ERROR, 1, ""]);
  assert.match(err, /exports no function/);
});

test("an unknown mode exits with usage", async () => {
  const child = spawn(process.execPath, [path.join(__dirname, "runtime.js"), "script", "x", "1", "shared"], { stdio: ["ignore", "ignore", "pipe"] });
  let stderr = "";
  child.stderr.on("data", (chunk) => { stderr += chunk; });
  const code = await new Promise((resolve) => child.on("exit", resolve));
  assert.notEqual(code, 0);
  assert.match(stderr, /usage/);
});

test("command: exports that throw when read do not hang the call", async (t) => {
  const rt = new Runtime(t, "command", "module.exports = new Proxy({}, { get() { throw new Error('trap'); } });");
  assert.deepEqual(await rt.call(""), [EXITED, 0, "", ""]);
});

test("command: the runtime's realm is out of reach (issue 10)", async (t) => {
  const rt = new Runtime(t, "command", `
    const results = [];
    const attempt = (label, f) => { try { results.push(label + ":" + f()); } catch (e) { results.push(label + ":" + e.name); } };
    attempt("Buffer.constructor", () => typeof Buffer.constructor("return process")());
    attempt("setTimeout.constructor", () => typeof setTimeout.constructor("return this")());
    attempt("proto", () => Object.getPrototypeOf(process) === Object.prototype);
    attempt("binding", () => typeof process.binding);
    attempt("require process", () => require("process") === process);
    attempt("require vm", () => typeof require("vm").runInThisContext);
    attempt("own eval", () => eval("6 * 7"));
    attempt("seen", () => String(({}).polluted) + String(Object.getPrototypeOf(Object.getPrototypeOf(Buffer)).polluted));
    Object.prototype.polluted = "own realm";
    try { Object.getPrototypeOf(Object.getPrototypeOf(Buffer)).polluted = "outer realm"; } catch (e) { results.push("outer:" + e.name); }
    console.log(results.join(" "));
  `);
  const expected = "Buffer.constructor:EvalError setTimeout.constructor:EvalError proto:false binding:undefined "
    + "require process:true require vm:Error own eval:42 seen:undefinedundefined\n";
  assert.deepEqual(await rt.call(""), [EXITED, 0, expected, ""]);
  // The second call sees no pollution from the first, in its own realm or the runtime's.
  assert.deepEqual(await rt.call(""), [EXITED, 0, expected, ""]);
});

test("command: node's library objects carry nothing from one call to the next (issue 10)", async (t) => {
  const rt = new Runtime(t, "command", `
    const seen = [];
    const targets = {
      atob, queueMicrotask, "require.resolve": require.resolve, "console proto": Object.getPrototypeOf(console),
      "stdout proto": Object.getPrototypeOf(process.stdout), events: require("events"), "events proto": require("events").prototype,
      path: require("path"), "real fs": Object.getPrototypeOf(require("fs")), util: require("util"), crypto: require("crypto"),
    };
    for (const [label, target] of Object.entries(targets)) {
      seen.push(label + "=" + target.leak);
      try { target.leak = "x"; } catch (e) {}
    }
    // Hooking the runtime's own streams (to read later calls' output) has no effect either.
    try { require("stream").Writable.prototype.write = () => true; } catch (e) { seen.push("hook:" + e.name); }
    // Instances still take properties of their own, shadowing their prototypes'.
    const EventEmitter = require("events");
    class Mine extends EventEmitter { constructor() { super(); this.emit = () => "own"; } }
    const fs = require("fs");
    fs.readdirSync = () => "per call";
    seen.push(new Mine().emit(), fs.readdirSync(), require("path").join("a", "b"));
    console.log(seen.join(" "));
  `);
  const expected = "atob=undefined queueMicrotask=undefined require.resolve=undefined console proto=undefined stdout proto=undefined "
    + "events=undefined events proto=undefined path=undefined real fs=undefined util=undefined crypto=undefined hook:TypeError own per call a/b\n";
  assert.deepEqual(await rt.call(""), [EXITED, 0, expected, ""]);
  assert.deepEqual(await rt.call(""), [EXITED, 0, expected, ""], "the second call sees nothing of the first");
});

test("emptyFolder removes everything a call left, read-only folders included", () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "runtime-js-empty-"));
  fs.mkdirSync(path.join(root, "a", "b"), { recursive: true });
  fs.writeFileSync(path.join(root, "a", "b", "secret"), "payload of an earlier call");
  fs.writeFileSync(path.join(root, "top"), "x");
  fs.chmodSync(path.join(root, "a"), 0o500);
  emptyFolder(root);
  assert.deepEqual(fs.readdirSync(root), []);
  fs.rmSync(root, { recursive: true, force: true });
});

// Entry points, events and context: the peers' conventions (README.md).
const HTTP = {
  method: "POST", path: "/a/b", query: "x=1&y=2&x=3", source_ip: "127.0.0.1",
  headers: [["content-type", "application/json"], ["cookie", "a=1; b=2"], ["x-many", "1"], ["x-many", "2"]],
};

test("conventions: the event is parsed JSON for JSON content or an object body, else the string", async (t) => {
  const rt = new Runtime(t, "handler", "module.exports = (event) => ({ type: Buffer.isBuffer(event) ? 'buffer' : typeof event, event });");
  const call = async (payload, header) => JSON.parse((await rt.call(payload, header))[2]);
  assert.deepEqual(await call('{"n": 2}'), { type: "object", event: { n: 2 } });
  assert.equal(rt.outputType, frame.outputType.JSON);
  assert.deepEqual(await call("[1]"), { type: "object", event: [1] });
  assert.deepEqual(await call("42", { content_type: "application/json" }), { type: "number", event: 42 });
  assert.deepEqual(await call("42"), { type: "string", event: "42" });
  assert.deepEqual(await call("{broken"), { type: "string", event: "{broken" });
  assert.deepEqual(await call('{"a":1}', { event: "raw" }), { type: "string", event: '{"a":1}' });
  assert.deepEqual(await call("7", { event: "json" }), { type: "number", event: 7 });
  assert.deepEqual(await call(Buffer.from([0xff])), { type: "buffer", event: { type: "Buffer", data: [255] } });
  const [kind, code, , err] = await rt.call("nope", { event: "json" });
  assert.deepEqual([kind, code], [EXITED, 1]);
  assert.match(err, /not JSON/);
});

test("conventions: Lambda's async exports.handler with a context", async (t) => {
  const rt = new Runtime(t, "handler", `exports.handler = async (event, context) => ({ statusCode: 200, body: JSON.stringify({ n: event.n * 2 }),
    name: context.functionName, version: context.functionVersion, id: context.awsRequestId, memory: context.memoryLimitInMB,
    remaining: context.getRemainingTimeInMillis() });`);
  const header = { request_id: "req-1", function: "double", version: 3, memory_mb: 128, deadline_ms: Date.now() + 5000 };
  const got = JSON.parse((await rt.call('{"n": 21}', header))[2]);
  const remaining = got.remaining;
  delete got.remaining;
  assert.deepEqual(got, { statusCode: 200, body: '{"n":42}', name: "double", version: "3", id: "req-1", memory: "128" });
  assert.ok(remaining > 0 && remaining <= 5000, String(remaining));
});

test("conventions: Lambda's callback form", async (t) => {
  const rt = new Runtime(t, "handler", `exports.handler = (event, context, callback) => {
    if (event.fail) return setTimeout(() => callback(new Error("asked to fail")), 5);
    setTimeout(() => callback(null, { doubled: event.n * 2 }), 5);
  };`);
  assert.deepEqual(await rt.call('{"n": 4}'), [EXITED, 0, '{"doubled":8}', ""]);
  const [kind, code, , err] = await rt.call('{"fail": true}');
  assert.deepEqual([kind, code], [EXITED, 1]);
  assert.match(err, /asked to fail/);
});

test("conventions: OpenWhisk's top-level main(params), never called", async (t) => {
  const rt = new Runtime(t, "handler", "function main(params) {\n  return { payload: 'Hello, ' + (params.name || 'stranger') };\n}", CAP, "main");
  assert.deepEqual(await rt.call('{"name": "x"}'), [EXITED, 0, '{"payload":"Hello, x"}', ""]);
  const withHTTP = new Runtime(t, "handler", "function main(params) { return params; }", CAP, "main");
  assert.deepEqual(JSON.parse((await withHTTP.call('{"name": "x"}', { http: HTTP }))[2]), {
    x: "1,3", y: "2", name: "x", __ow_method: "post", __ow_path: "/a/b",
    __ow_headers: { "content-type": "application/json", cookie: "a=1; b=2", "x-many": "1,2" },
  });
  const exported = new Runtime(t, "handler", "exports.main = (params) => ({ got: params });", CAP, "main");
  assert.deepEqual(await exported.call(""), [EXITED, 0, '{"got":{}}', ""]);
});

test("conventions: any named entry point, exported or top-level; a missing one names it", async (t) => {
  const rt = new Runtime(t, "handler", "function compute(e) { return e.a + 1; }\nexports.other = () => 0;", CAP, "compute");
  assert.deepEqual(await rt.call('{"a": 1}'), [EXITED, 0, "2", ""]);
  const missing = new Runtime(t, "handler", "exports.other = () => 0;", CAP, "compute");
  const [kind, , , err] = await missing.call("");
  assert.equal(kind, RUNTIME_ERROR);
  assert.match(err, /compute/);
});

test("conventions: Lambda handlers get the proxy event through /fn/", async (t) => {
  const rt = new Runtime(t, "handler", "module.exports = async (event) => event;");
  const event = JSON.parse((await rt.call('{"n": 1}', { http: HTTP, request_id: "r-9", function: "f" }))[2]);
  assert.equal(event.version, "2.0");
  assert.deepEqual([event.rawPath, event.rawQueryString], ["/a/b", "x=1&y=2&x=3"]);
  assert.deepEqual(event.queryStringParameters, { x: "1,3", y: "2" });
  assert.equal(event.headers["x-many"], "1,2");
  assert.deepEqual(event.cookies, ["a=1", "b=2"]);
  assert.deepEqual(event.requestContext.http, { method: "POST", path: "/a/b", protocol: "HTTP/1.1", sourceIp: "127.0.0.1", userAgent: "" });
  assert.equal(event.requestContext.requestId, "r-9");
  assert.deepEqual([event.body, event.isBase64Encoded], ['{"n": 1}', false]);
  const binary = JSON.parse((await rt.call(Buffer.from([0xff, 0]), { http: { ...HTTP, query: "" } }))[2]);
  assert.deepEqual([binary.body, binary.isBase64Encoded], ["/wA=", true]);
  assert.equal(binary.queryStringParameters, undefined);
  const get = JSON.parse((await rt.call("", { http: { ...HTTP, method: "GET" } }))[2]);
  assert.equal(get.body, undefined);
});

test("handler: a handler printing without end keeps a bounded log", async (t) => {
  const rt = new Runtime(t, "handler", "module.exports = () => { for (let i = 0; i < 100000; i++) console.log('x'.repeat(100)); return 'done'; };", 1000);
  assert.deepEqual(await rt.call(""), [EXITED, 0, "done", ""]);
  assert.ok(rt.log.length <= 1000 && rt.log.endsWith("stderr [log truncated]\n"), rt.log.slice(-60));
});
