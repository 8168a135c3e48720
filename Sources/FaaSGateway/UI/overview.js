// Overview: the gateway's /metrics sampled every few seconds while the page is open, drawn as
// small charts of the last minutes (requests/s, latency percentiles, errors/s, in flight).

import { request, paths } from "./api.js";
import { h, stateBox, formatMs } from "./dom.js";
import { parse, window as between } from "./metrics.js";
import { lineChart } from "./charts.js";

const INTERVAL_MS = 3000;
const CAPACITY = 100; // five minutes at 3 s

export async function render(main, context) {
  const charts = h("div.charts", { "aria-live": "off" });
  const status = h("p.hint", { "aria-live": "polite" }, "Sampling /metrics every 3 seconds…");
  const figures = h("dl.facts.wide");
  main.append(h("h1", "Overview"), status, figures, charts);
  const history = [];
  let previous = null;
  let previousAt = 0;
  const sample = async () => {
    let text;
    try {
      text = (await request("GET", paths.metrics)).text;
    } catch (error) {
      if (context.signal.stale) return;
      if (!previous) return context.fail(error, "page");
      status.replaceChildren(stateBox("error", "Sampling failed", error.message));
      return;
    }
    if (context.signal.stale) return;
    const now = performance.now();
    const current = parse(text);
    if (previous) {
      history.push(between(previous, current, (now - previousAt) / 1000));
      if (history.length > CAPACITY) history.shift();
      draw();
    } else {
      charts.replaceChildren(stateBox("empty", "Collecting", "The first figures appear after two samples."));
    }
    previous = current;
    previousAt = now;
  };
  const draw = () => {
    const last = history[history.length - 1];
    const rate = (v) => v.toFixed(v < 10 ? 2 : 0) + "/s";
    const ms = (v) => formatMs(v);
    status.textContent = `Sampled every ${INTERVAL_MS / 1000} s; ${history.length} points. Figures are for the gateway as a whole (this page's own polling left out).`;
    figures.replaceChildren(
      h("dt", "Server"), h("dd", last.serverConnected ? "connected" : "unreachable"),
      h("dt", "Functions"), h("dd", String(last.functions)),
      h("dt", "Invocations in flight"), h("dd", String(last.inFlight)));
    const series = (key) => history.map((point) => point[key]);
    charts.replaceChildren(
      lineChart({ title: "Requests per second", capacity: CAPACITY, format: rate, series: [{ label: "req/s", css: "s1", values: series("requestsPerSecond") }] }),
      lineChart({ title: "Invoke latency", capacity: CAPACITY, format: ms, series: [
        { label: "p50", css: "s1", values: series("p50") },
        { label: "p90", css: "s2", values: series("p90") },
        { label: "p99", css: "s3", values: series("p99") }] }),
      lineChart({ title: "Errors per second", capacity: CAPACITY, format: rate, series: [{ label: "errors/s", css: "s3", values: series("errorsPerSecond") }] }),
      lineChart({ title: "Busy (invocations in flight)", capacity: CAPACITY, format: (v) => String(Math.round(v)), series: [{ label: "in flight", css: "s2", values: series("inFlight") }] }),
    );
  };
  await sample();
  const timer = setInterval(sample, INTERVAL_MS);
  context.cleanup(() => clearInterval(timer));
}
