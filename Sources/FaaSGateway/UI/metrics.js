// The gateway's Prometheus text (/metrics) parsed, and what the overview draws computed from
// two samples: rates from counter deltas, latency percentiles from histogram bucket deltas.

/** [{name, labels: {k: v}, value}] of the exposition text. */
export function parse(text) {
  const samples = [];
  for (const raw of text.split("\n")) {
    const line = raw.trim();
    if (!line || line.startsWith("#")) continue;
    const match = /^([a-zA-Z_:][\w:]*)(\{(.*)\})?\s+(\S+)/.exec(line);
    if (!match) continue;
    const labels = {};
    for (const pair of (match[3] || "").matchAll(/([a-zA-Z_]\w*)="((?:[^"\\]|\\.)*)"/g)) labels[pair[1]] = pair[2];
    const value = Number(match[4]);
    if (!Number.isNaN(value)) samples.push({ name: match[1], labels, value });
  }
  return samples;
}

export function sum(samples, name, filter = () => true) {
  return samples.filter((s) => s.name === name && filter(s.labels)).reduce((total, s) => total + s.value, 0);
}

/** Cumulative buckets [{le, count}] sorted by bound, +Inf last. */
export function buckets(samples, name) {
  return samples
    .filter((s) => s.name === name + "_bucket")
    .map((s) => ({ le: s.labels.le === "+Inf" ? Infinity : Number(s.labels.le), count: s.value }))
    .sort((a, b) => a.le - b.le);
}

/**
 * The q-quantile (0..1) of a cumulative histogram, interpolated inside its bucket as
 * Prometheus' histogram_quantile does; null without observations.
 */
export function quantile(q, cumulative) {
  if (!cumulative.length) return null;
  const total = cumulative[cumulative.length - 1].count;
  if (total <= 0) return null;
  const rank = q * total;
  let lowerBound = 0;
  let lowerCount = 0;
  for (const bucket of cumulative) {
    if (bucket.count >= rank) {
      if (bucket.le === Infinity) return lowerBound;
      const inBucket = bucket.count - lowerCount;
      if (inBucket <= 0) return bucket.le;
      return lowerBound + (bucket.le - lowerBound) * ((rank - lowerCount) / inBucket);
    }
    lowerBound = bucket.le;
    lowerCount = bucket.count;
  }
  return lowerBound;
}

// The console's own polling is not traffic worth charting.
const OWN_ROUTES = new Set(["ui", "metrics"]);

/** The figures between two parsed samples taken `seconds` apart. */
export function window(previous, current, seconds) {
  const requests = (samples) => sum(samples, "faas_http_requests_total", (l) => !OWN_ROUTES.has(l.route));
  const errors = (samples) =>
    sum(samples, "faas_invocations_total", (l) => l.outcome !== "ok") +
    sum(samples, "faas_http_requests_total", (l) => Number(l.status) >= 500);
  const before = buckets(previous, "faas_invoke_duration_seconds");
  const after = buckets(current, "faas_invoke_duration_seconds");
  const delta = after.map((bucket, index) => ({ le: bucket.le, count: bucket.count - ((before[index] && before[index].count) || 0) }));
  const ms = (value) => (value === null ? null : value * 1000);
  return {
    requestsPerSecond: Math.max(0, requests(current) - requests(previous)) / seconds,
    errorsPerSecond: Math.max(0, errors(current) - errors(previous)) / seconds,
    p50: ms(quantile(0.5, delta)),
    p90: ms(quantile(0.9, delta)),
    p99: ms(quantile(0.99, delta)),
    inFlight: sum(current, "faas_invocations_in_flight"),
    functions: sum(current, "faas_functions"),
    serverConnected: sum(current, "faas_server_connected") > 0,
  };
}
