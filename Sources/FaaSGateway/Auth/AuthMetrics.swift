/// Auth counters for `/metrics`.
struct AuthMetrics {
    var failures: [String: Int] = [:]       // reason -> count
    var refusedScope = 0
    var crossOrigin = 0
    var rateLimited: [String: Int] = [:]    // key | public | failures -> count

    func render(into out: inout PrometheusText) {
        out.declare("faas_auth_failures_total", .counter, help: "Requests refused 401, by reason.")
        for (reason, count) in failures.sorted(by: { $0.key < $1.key }) {
            out.counter("faas_auth_failures_total", labels: ["reason": reason], count)
        }
        let forbidden = "Requests refused 403 (missing scope or cross-origin)."
        out.counter("faas_auth_forbidden_total", help: forbidden, labels: ["reason": "scope"], refusedScope)
        out.counter("faas_auth_forbidden_total", help: forbidden, labels: ["reason": "origin"], crossOrigin)
        for kind in ["failures", "key", "public"] {
            out.counter("faas_rate_limited_total", help: "Requests refused 429, by limit.", labels: ["limit": kind], rateLimited[kind, default: 0])
        }
    }
}
