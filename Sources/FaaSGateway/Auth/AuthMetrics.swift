/// Auth counters for `/metrics`.
struct AuthMetrics {
    var failures: [String: Int] = [:]       // reason -> count
    var refusedScope = 0
    var crossOrigin = 0
    var rateLimited: [String: Int] = [:]    // key | public | failures -> count

    func render() -> String {
        var text = "# HELP faas_auth_failures_total Requests refused 401, by reason.\n# TYPE faas_auth_failures_total counter\n"
        for (reason, count) in failures.sorted(by: { $0.key < $1.key }) {
            text += "faas_auth_failures_total{reason=\"\(reason)\"} \(count)\n"
        }
        text += "# HELP faas_auth_forbidden_total Requests refused 403 (missing scope or cross-origin).\n# TYPE faas_auth_forbidden_total counter\n"
        text += "faas_auth_forbidden_total{reason=\"scope\"} \(refusedScope)\n"
        text += "faas_auth_forbidden_total{reason=\"origin\"} \(crossOrigin)\n"
        text += "# HELP faas_rate_limited_total Requests refused 429, by limit.\n# TYPE faas_rate_limited_total counter\n"
        for kind in ["failures", "key", "public"] {
            text += "faas_rate_limited_total{limit=\"\(kind)\"} \(rateLimited[kind, default: 0])\n"
        }
        return text
    }
}
