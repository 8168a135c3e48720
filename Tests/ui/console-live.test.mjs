// The console's live parts under node --test, with fake fetch answers: the ndjson log stream
// read in chunks (and the fallback to polling with tail+since), the functions page's error
// rate from the invocation summary, the versions table's rows.
import { test } from "node:test";
import assert from "node:assert/strict";
import { NdjsonDecoder, parseNdjson, LogBuffer, followLogs } from "../../Sources/FaaSGateway/UI/logs.js";
import { errorRate, formatErrorRate, activityByFunction, ago } from "../../Sources/FaaSGateway/UI/functions.js";
import { versionRows } from "../../Sources/FaaSGateway/UI/versions.js";

const line = (time, text, extra = {}) => JSON.stringify({ time, request_id: "req-" + time, version: 1, stream: "stderr", line: text, ...extra }) + "\n";

/** A streamed answer whose body arrives in `chunks` (strings), then ends (or fails). */
function streamed(chunks, { fail = false, status = 200 } = {}) {
  const encoder = new TextEncoder();
  let index = 0;
  const body = new ReadableStream({
    pull(controller) {
      if (index < chunks.length) controller.enqueue(encoder.encode(chunks[index++]));
      else if (fail) controller.error(new TypeError("network error"));
      else controller.close();
    },
  });
  return new Response(body, { status, headers: { "Content-Type": "application/x-ndjson" } });
}

function recorder() {
  const events = { lines: [], modes: [], absent: [], errors: [], oks: 0 };
  return {
    events,
    on: {
      lines: (entries) => events.lines.push(...entries.map((e) => e.line)),
      mode: (kind) => events.modes.push(kind),
      absent: (status) => events.absent.push(status),
      error: (message) => events.errors.push(message),
      ok: () => { events.oks += 1; },
    },
  };
}

async function until(condition, what) {
  for (let i = 0; i < 400; i += 1) {
    if (condition()) return;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  assert.fail("timed out waiting for " + what);
}

test("ndjson: a line split across chunks, bytes split inside a character, bad lines skipped", () => {
  const decoder = new NdjsonDecoder();
  const bytes = new TextEncoder().encode(line("t1", "héllo") + "not json\n[1]\n" + line("t2", "b"));
  const cut = bytes.indexOf(0xc3) + 1; // inside the two bytes of "é"
  assert.deepEqual(decoder.push(bytes.slice(0, cut)), []);
  const rest = decoder.push(bytes.slice(cut, bytes.length - 5));
  assert.deepEqual(rest.map((o) => o.line), ["héllo"]);
  assert.equal(decoder.skipped, 2, "a non-JSON line and a non-object are skipped");
  assert.deepEqual(decoder.push(bytes.slice(bytes.length - 5)).map((o) => o.line), ["b"]);
  assert.deepEqual(decoder.end(), []);
  // A last line without its newline is read when the stream ends.
  assert.deepEqual(parseNdjson(line("t3", "x") + '{"line":"last"}').map((o) => o.line), ["x", "last"]);
  assert.deepEqual(parseNdjson(""), []);
});

test("the log buffer drops what a since= poll repeats, not a line printed twice", () => {
  const buffer = new LogBuffer(3);
  const added = buffer.add(parseNdjson(line("t1", "a") + line("t2", "b") + line("t2", "b")));
  assert.deepEqual(added.map((e) => e.line), ["a", "b", "b"]);
  assert.equal(buffer.lastTime, "t2");
  // The poll since t2 answers both t2 lines again (inclusive), then a new one at t2 and one at t3.
  const again = buffer.add(parseNdjson(line("t2", "b") + line("t2", "b") + line("t2", "c") + line("t3", "d")), { overlapping: true });
  assert.deepEqual(again.map((e) => e.line), ["c", "d"]);
  assert.deepEqual(buffer.entries.map((e) => e.line), ["b", "c", "d"], "bounded to the last 3");
  const entry = buffer.entries[2];
  assert.deepEqual(entry, { time: "t3", requestId: "req-t3", version: 1, stream: "stderr", line: "d" });
});

test("follow: the stream is read as it arrives, then polling takes over with since=", async () => {
  const urls = [];
  const { events, on } = recorder();
  const second = line("2026-11-28T10:00:00.002Z", "second");
  const answers = [
    // The second line arrives in two chunks.
    streamed([line("2026-11-28T10:00:00.001Z", "first") + second.slice(0, 20), second.slice(20)]),
    // The poll since the last line's time answers that line again (since is inclusive here).
    new Response(second + line("2026-11-28T10:00:01.000Z", "third"),
      { status: 200, headers: { "Content-Type": "application/x-ndjson" } }),
  ];
  const fetchImpl = async (url, init) => {
    urls.push(url);
    assert.equal(init.credentials, "omit");
    return answers.shift() || new Response("", { status: 200 });
  };
  const stop = followLogs("greeter", on, { fetchImpl, pollMs: 5 });
  await until(() => events.lines.length >= 3, "three lines");
  stop();
  assert.deepEqual(events.lines, ["first", "second", "third"]);
  assert.deepEqual(events.modes.slice(0, 2), ["stream", "poll"]);
  assert.equal(urls[0], "/function/greeter/logs?tail=100&follow=1");
  assert.equal(urls[1], "/function/greeter/logs?tail=100&since=2026-11-28T10%3A00%3A00.002Z");
});

test("follow: a stream the gateway ends after a while is asked for again from the last line", async () => {
  const urls = [];
  const { events, on } = recorder();
  const fetchImpl = async (url) => {
    urls.push(url);
    if (urls.length === 1) return streamed([line("t1", "one")]);
    if (urls.length === 2) return streamed([line("t1", "one") + line("t2", "two")]);
    return new Response(new ReadableStream({ pull() {} }), { status: 200 });
  };
  const stop = followLogs("f", on, { fetchImpl, pollMs: 5, reconnectAfterMs: 0 });
  await until(() => urls.length === 3, "two reconnections");
  stop();
  assert.deepEqual(events.lines, ["one", "two"], "the line seen before is not repeated");
  assert.deepEqual(urls.slice(0, 2), ["/function/f/logs?tail=100&follow=1", "/function/f/logs?tail=100&since=t1&follow=1"]);
  assert.deepEqual(events.modes, ["stream", "stream", "stream"]);
});

test("follow: a stream that breaks falls back to polling; failed polls are reported and retried", async () => {
  const { events, on } = recorder();
  let calls = 0;
  const fetchImpl = async (url) => {
    calls += 1;
    if (calls === 1) return streamed([line("t1", "one")], { fail: true });
    if (calls === 2) throw new TypeError("Failed to fetch");
    assert.match(url, /since=t1$/);
    return new Response(line("t2", "two"), { status: 200 });
  };
  const stop = followLogs("f", on, { fetchImpl, pollMs: 5 });
  await until(() => events.lines.length === 2, "the polled line");
  stop();
  assert.deepEqual(events.lines, ["one", "two"]);
  assert.equal(events.errors.length, 1);
  assert.match(events.errors[0], /cannot be reached/);
  assert.ok(events.oks >= 1, "a poll that works clears the error");
});

test("follow: a gateway without the route says so and asks nothing more; stop aborts the stream", async () => {
  for (const status of [404, 400]) {
    const { events, on } = recorder();
    let calls = 0;
    followLogs("f", on, { fetchImpl: async () => { calls += 1; return new Response('{"ok":false}', { status }); }, pollMs: 5 });
    await until(() => events.absent.length === 1, "absent");
    await new Promise((resolve) => setTimeout(resolve, 30));
    assert.deepEqual(events.absent, [status]);
    assert.equal(calls, 1);
    assert.deepEqual(events.lines, []);
  }
  let signal;
  const { events, on } = recorder();
  const stop = followLogs("f", on, {
    fetchImpl: async (url, init) => { signal = init.signal; return new Response(new ReadableStream({ pull() {} }), { status: 200 }); },
  });
  await until(() => events.modes.includes("stream"), "streaming");
  stop();
  assert.equal(signal.aborted, true, "leaving the page ends the follow request");
  await new Promise((resolve) => setTimeout(resolve, 20));
  assert.deepEqual(events.modes, ["stream"], "no polling after stop");
});

test("error rate: failed and timed out over finished; queued, running and cancelled are not outcomes", () => {
  assert.deepEqual(errorRate({ succeeded: 9, failed: 2, timed_out: 1, cancelled: 5, queued: 3 }), { failed: 3, finished: 12, rate: 0.25 });
  assert.equal(errorRate({ cancelled: 2, running: 1 }), null);
  assert.equal(errorRate(undefined), null);
  assert.equal(formatErrorRate(errorRate({ succeeded: 9, failed: 3 })), "3 of 12 (25%)");
  assert.equal(formatErrorRate(errorRate({ succeeded: 4 })), "0 of 4 (0%)");
  assert.equal(formatErrorRate(errorRate({ succeeded: 199, failed: 1 })), "1 of 200 (<1%)");
  assert.equal(formatErrorRate(errorRate({ succeeded: 19, failed: 1 })), "1 of 20 (5.0%)");
  assert.equal(formatErrorRate(null), "–");
});

test("the summary answer per function: rate, latest states newest first, last call", () => {
  const body = {
    window: 86400,
    functions: [
      { function: "greeter", total: 3, states: { succeeded: 2, failed: 1 }, last_at: 1000, last_state: "failed",
        recent: [{ state: "failed", submitted_at: 1000 }, { state: "succeeded", submitted_at: 900 }] },
      { function: "idle", total: 1, states: { cancelled: 1 }, recent: [] },
      { nonsense: true },
    ],
  };
  const activity = activityByFunction(body);
  assert.deepEqual([...activity.keys()], ["greeter", "idle"]);
  assert.deepEqual(activity.get("greeter"), { rate: { failed: 1, finished: 3, rate: 1 / 3 }, recent: ["failed", "succeeded"], lastAt: 1000 });
  assert.deepEqual(activity.get("idle"), { rate: null, recent: [], lastAt: null });
  assert.equal(activityByFunction(null).size, 0);
  assert.equal(ago(1000, 1030), "just now");
  assert.equal(ago(1000, 1000 + 5 * 60), "5 min ago");
  assert.equal(ago(1000, 1000 + 3 * 3600 + 5), "3 h ago");
  assert.equal(ago(1000, 1000 + 86400), "1 day ago");
});

test("version rows: newest first, the current one as the gateway says, settings in words", () => {
  const body = { versions: [
    { version: 1, id: "greeter_100", created_at: "2026-11-28T10:00:00Z", current: true, timeout: 5, memory: 128 },
    { version: 2, id: "greeter_200", created_at: "2026-11-28T11:00:00Z", current: false, concurrency: 2 },
    { version: "x", id: "bad" },
  ] };
  assert.deepEqual(versionRows(body, 2), [
    { version: 2, id: "greeter_200", createdAt: "2026-11-28T11:00:00Z", current: false, settings: ["concurrency 2"] },
    { version: 1, id: "greeter_100", createdAt: "2026-11-28T10:00:00Z", current: true, settings: ["timeout 5 s", "memory 128 MiB"] },
  ], "after a roll back v1 is current although v2 is newer");
  // Without `current` flags, the function's own version is the current one.
  assert.deepEqual(versionRows([{ version: 1, id: "a_1" }, { version: 2, id: "a_2" }], 2).map((r) => [r.version, r.current]), [[2, true], [1, false]]);
  assert.deepEqual(versionRows({}, 1), []);
  assert.deepEqual(versionRows(null, 1), []);
});
