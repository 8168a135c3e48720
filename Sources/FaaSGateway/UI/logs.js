// A function's logs (GET /function/N/logs, application/x-ndjson: one JSON object a line,
// {"time","request_id","version","stream","line"}): followed live by reading the follow=1
// answer as it arrives (a ReadableStream), polled with tail+since when streaming fails.
// No DOM here: function.js draws what this hands it.

import { authHeaders, paths } from "./api.js";

/** Splits ndjson arriving in chunks into objects; a partial line waits for the next chunk. */
export class NdjsonDecoder {
  constructor() {
    this.buffer = "";
    this.decoder = new TextDecoder();
    /** Lines that were not a JSON object (skipped, never a crash). */
    this.skipped = 0;
  }

  /** The objects of the lines `chunk` (bytes or text) completes. */
  push(chunk) {
    this.buffer += typeof chunk === "string" ? chunk : this.decoder.decode(chunk, { stream: true });
    const lines = this.buffer.split("\n");
    this.buffer = lines.pop();
    return this.parse(lines);
  }

  /** The stream ended: its last line, even without a final "\n". */
  end() {
    const rest = this.buffer + this.decoder.decode();
    this.buffer = "";
    return this.parse([rest]);
  }

  parse(lines) {
    const objects = [];
    for (const raw of lines) {
      const line = raw.trim();
      if (!line) continue;
      let value;
      try { value = JSON.parse(line); } catch { value = null; }
      if (value && typeof value === "object" && !Array.isArray(value)) objects.push(value);
      else this.skipped += 1;
    }
    return objects;
  }
}

/** Every object of a whole ndjson text. */
export function parseNdjson(text) {
  const decoder = new NdjsonDecoder();
  return decoder.push(text).concat(decoder.end());
}

/** One entry as the page shows it, whatever fields a gateway leaves out. */
export function logEntry(object) {
  return {
    time: typeof object.time === "string" ? object.time : "",
    requestId: typeof object.request_id === "string" ? object.request_id : "",
    version: Number.isInteger(object.version) ? object.version : null,
    stream: object.stream === "stderr" ? "stderr" : "stdout",
    line: typeof object.line === "string" ? object.line : JSON.stringify(object.line ?? ""),
  };
}

/**
 * The lines seen so far, in order and bounded. A poll asks for the lines since the last one's
 * time; a gateway may include lines at exactly that time again, so those already seen at that
 * time are dropped (as many as were seen, so a line printed twice in the same millisecond stays twice).
 */
export class LogBuffer {
  constructor(limit = 500) {
    this.limit = limit;
    this.entries = [];
    this.lastTime = "";
    this.atLastTime = new Map();
  }

  /** Adds what is new of `objects` and returns it (entries). */
  add(objects, { overlapping = false } = {}) {
    const added = [];
    const repeats = overlapping ? new Map(this.atLastTime) : new Map();
    for (const object of objects) {
      const entry = logEntry(object);
      const key = `${entry.requestId}\u0000${entry.stream}\u0000${entry.line}`;
      if (overlapping && entry.time && entry.time < this.lastTime) continue;
      if (overlapping && entry.time === this.lastTime && (repeats.get(key) || 0) > 0) {
        repeats.set(key, repeats.get(key) - 1);
        continue;
      }
      if (entry.time && entry.time !== this.lastTime) {
        this.lastTime = entry.time;
        this.atLastTime = new Map();
      }
      this.atLastTime.set(key, (this.atLastTime.get(key) || 0) + 1);
      added.push(entry);
    }
    this.entries.push(...added);
    if (this.entries.length > this.limit) this.entries.splice(0, this.entries.length - this.limit);
    return added;
  }
}

const ABSENT = [400, 404, 405, 501];

/**
 * Follows `name`'s logs until the returned stop() is called: the follow=1 stream first; when
 * it cannot be had or breaks, a poll every `pollMs` for the lines since the last one.
 * Reports through `on`: lines(entries), mode("stream" | "poll"), absent(status) (this gateway
 * keeps no logs: nothing more happens), error(message) (a failed poll; polling goes on),
 * ok() (a poll worked again).
 */
export function followLogs(name, on, { fetchImpl = globalThis.fetch.bind(globalThis), pollMs = 3000, tail = 100, reconnectAfterMs = 5000 } = {}) {
  const buffer = new LogBuffer();
  const controller = new AbortController();
  let stopped = false;
  let timer = null;

  const request = (url) => fetchImpl(url, {
    headers: authHeaders(), cache: "no-store", credentials: "omit", redirect: "error", signal: controller.signal,
  });

  async function stream() {
    let response;
    const since = buffer.lastTime;
    const started = Date.now();
    try {
      response = await request(paths.logs(name, { tail, since, follow: true }));
    } catch {
      return stopped ? undefined : poll();
    }
    if (stopped) return;
    if (ABSENT.includes(response.status)) return on.absent(response.status);
    if (!response.ok || !response.body || !response.body.getReader) {
      if (response.status === 401 || response.status === 403) return on.error(`Not allowed (${response.status})`);
      return poll();
    }
    on.mode("stream");
    const decoder = new NdjsonDecoder();
    const reader = response.body.getReader();
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (stopped) return;
        const objects = done ? decoder.end() : decoder.push(value);
        const added = buffer.add(objects, { overlapping: !!since });
        if (added.length) on.lines(added);
        if (done) break;
      }
    } catch {
      // Broken (network gone, gateway killed): keep following by polling.
      if (!stopped) poll();
      return;
    }
    // Ended by the gateway (an idle limit, a restart): a stream that lasted is asked for again
    // from the last line seen; one that ends at once is not worth asking again, so polling.
    if (stopped) return;
    if (Date.now() - started >= reconnectAfterMs) stream();
    else poll();
  }

  async function poll() {
    if (stopped) return;
    on.mode("poll");
    try {
      const since = buffer.lastTime;
      const response = await request(paths.logs(name, { tail, since }));
      if (stopped) return;
      if (ABSENT.includes(response.status) && !buffer.entries.length) return on.absent(response.status);
      const text = await response.text();
      if (stopped) return;
      if (!response.ok) {
        on.error(`The logs could not be read (${response.status}).`);
      } else {
        on.ok();
        const added = buffer.add(parseNdjson(text), { overlapping: !!since });
        if (added.length) on.lines(added);
      }
    } catch {
      if (stopped) return;
      on.error("The gateway cannot be reached. Is it running?");
    }
    timer = setTimeout(poll, pollMs);
  }

  stream();
  return function stop() {
    stopped = true;
    clearTimeout(timer);
    controller.abort();
  };
}
