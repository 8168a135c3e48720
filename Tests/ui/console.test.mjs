// The console's pure parts under node --test (run by scripts/test): the metrics parser and
// quantiles, the highlighter's tokens, the compile-diagnostics parser with real compiler output.
import { test } from "node:test";
import assert from "node:assert/strict";
import { parse, quantile, buckets, window } from "../../Sources/FaaSGateway/UI/metrics.js";
import { tokenize, languageOf } from "../../Sources/FaaSGateway/UI/highlight.js";
import { diagnostics } from "../../Sources/FaaSGateway/UI/deploy.js";

const METRICS = `# HELP faas_http_requests_total HTTP requests by route and status.
# TYPE faas_http_requests_total counter
faas_http_requests_total{route="invoke",status="200"} 10
faas_http_requests_total{route="invoke",status="502"} 2
faas_http_requests_total{route="ui",status="200"} 50
faas_http_requests_total{route="metrics",status="200"} 7
faas_invocations_total{outcome="ok"} 10
faas_invocations_total{outcome="crashed"} 2
faas_invoke_duration_seconds_bucket{le="0.005"} 0
faas_invoke_duration_seconds_bucket{le="0.01"} 4
faas_invoke_duration_seconds_bucket{le="0.1"} 12
faas_invoke_duration_seconds_bucket{le="+Inf"} 12
faas_invoke_duration_seconds_sum 0.3
faas_invoke_duration_seconds_count 12
faas_invocations_in_flight 3
faas_server_connected 1
`;

test("parses the exposition text with labels", () => {
  const samples = parse(METRICS);
  assert.deepEqual(samples[0], { name: "faas_http_requests_total", labels: { route: "invoke", status: "200" }, value: 10 });
  assert.equal(samples.filter((s) => s.name.startsWith("#")).length, 0);
  assert.deepEqual(buckets(samples, "faas_invoke_duration_seconds").map((b) => b.le), [0.005, 0.01, 0.1, Infinity]);
});

test("quantiles interpolate inside the bucket, null without observations", () => {
  const cumulative = [{ le: 0.01, count: 4 }, { le: 0.1, count: 12 }, { le: Infinity, count: 12 }];
  assert.equal(quantile(0.5, cumulative), 0.01 + 0.09 * (2 / 8));
  assert.equal(quantile(0.25, cumulative), 0.01 * (3 / 4));
  assert.equal(quantile(0.99, [{ le: 0.1, count: 0 }, { le: Infinity, count: 0 }]), null);
  // Everything above the last bound: the last finite bound.
  assert.equal(quantile(0.5, [{ le: 0.1, count: 0 }, { le: Infinity, count: 5 }]), 0.1);
});

test("a window leaves the console's own requests out and counts errors", () => {
  const before = parse(METRICS);
  const after = parse(METRICS.replace('status="200"} 10', 'status="200"} 16').replace('route="ui",status="200"} 50', 'route="ui",status="200"} 90')
    .replace('outcome="crashed"} 2', 'outcome="crashed"} 4'));
  const figures = window(before, after, 2);
  assert.equal(figures.requestsPerSecond, 3);
  assert.equal(figures.errorsPerSecond, 1);
  assert.equal(figures.p50, null, "no new observations: no latency");
  assert.equal(figures.inFlight, 3);
  assert.equal(figures.serverConnected, true);
});

test("tokens: keywords, strings, comments, numbers per language", () => {
  const kinds = (source, language) => tokenize(source, language).filter((t) => t.kind).map((t) => `${t.kind}:${t.text}`);
  assert.deepEqual(kinds('import sys # hi\nprint("a#b", 42)', "python"),
    ["keyword:import", "comment:# hi", "keyword:print", 'string:"a#b"', "number:42"]);
  assert.deepEqual(kinds("int x = 0x1F; /* c */ // d", "c"), ["keyword:int", "number:0x1F", "comment:/* c */", "comment:// d"]);
  assert.deepEqual(kinds('fn main() { let s = "x\\"y"; }', "rust"), ["keyword:fn", "keyword:let", 'string:"x\\"y"']);
  assert.deepEqual(kinds("const t = `a ${b}`;", "javascript"), ["keyword:const", "string:`a ${b}`"]);
  assert.deepEqual(kinds("package main\nfunc f() {}", "go"), ["keyword:package", "keyword:func"]);
  assert.deepEqual(kinds("std::vector<int> v; // x", "cpp"), ["keyword:std", "keyword:vector", "keyword:int", "comment:// x"]);
  assert.deepEqual(kinds('s = """a\n#b"""', "py"), ['string:"""a\n#b"""']);
  assert.equal(languageOf("cobol"), null);
  assert.equal(tokenize("x", "cobol")[0].text, "x");
  // Words inside identifiers are not keywords; the text is kept whole.
  const source = "format_int if1 = 3;";
  assert.deepEqual(kinds(source, "c"), ["number:3"]);
  assert.equal(tokenize(source, "c").map((t) => t.text).join(""), source);
});

test("diagnostics from clang's and rustc's real output", () => {
  const clang = "code.c:4:19: error: expected ';' after expression\n    4 |     printf(\"hi\\n\")\n      |                   ^\n      |                   ;\ncode.c:5:12: error: use of undeclared identifier 'undefined_name'\n    5 |     return undefined_name;\n      |            ^~~~~~~~~~~~~~\n2 errors generated.\n";
  assert.deepEqual(diagnostics(clang), [
    { line: 4, column: 19, severity: "error", message: "expected ';' after expression" },
    { line: 5, column: 12, severity: "error", message: "use of undeclared identifier 'undefined_name'" },
  ]);
  const rustc = "error[E0308]: mismatched types\n --> code.rs:2:18\n  |\n2 |     let x: i32 = \"no\";\n  |            ---   ^^^^ expected `i32`, found `&str`\n\nerror: aborting due to previous error\n";
  assert.deepEqual(diagnostics(rustc), [{ line: 2, column: 18, severity: "error", message: "error[E0308]: mismatched types" }]);
  assert.deepEqual(diagnostics("  File \"code.py\", line 1\n    def f(:\n"), [{ line: 1, column: null, severity: "error", message: "File \"code.py\", line 1" }]);
  assert.deepEqual(diagnostics(""), []);
});
