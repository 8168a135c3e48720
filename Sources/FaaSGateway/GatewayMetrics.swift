import FaaSProtocol

/// Counters for `/metrics`, in Prometheus' text format.
struct GatewayMetrics {
    var requests: [String: Int] = [:]           // "route status" -> count
    var invocations: [String: Int] = [:]        // "ok" / failure code -> count
    var deploys: [String: Int] = [:]            // language -> count
    static let bounds: [Double] = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]
    var latencyBuckets = [Int](repeating: 0, count: bounds.count)
    var latencySum = 0.0
    var latencyCount = 0

    mutating func countRequest(route: String, status: Int) {
        requests["\(route) \(status)", default: 0] += 1
    }

    mutating func observeInvoke(outcome: String, seconds: Double) {
        invocations[outcome, default: 0] += 1
        for (index, bound) in Self.bounds.enumerated() where seconds <= bound { latencyBuckets[index] += 1 }
        latencySum += seconds
        latencyCount += 1
    }

    func render(functions: Int, connections: Int, inFlight: Int, serverConnected: Bool, workers: PongMessage.WorkerCounts? = nil) -> String {
        var text = ""
        text += "# HELP faas_http_requests_total HTTP requests by route and status.\n# TYPE faas_http_requests_total counter\n"
        for (key, count) in requests.sorted(by: { $0.key < $1.key }) {
            let parts = key.split(separator: " ")
            text += "faas_http_requests_total{route=\"\(parts[0])\",status=\"\(parts[1])\"} \(count)\n"
        }
        text += "# HELP faas_invocations_total Invocations by outcome.\n# TYPE faas_invocations_total counter\n"
        for (outcome, count) in invocations.sorted(by: { $0.key < $1.key }) {
            text += "faas_invocations_total{outcome=\"\(outcome)\"} \(count)\n"
        }
        text += "# HELP faas_deploys_total Successful deploys by language.\n# TYPE faas_deploys_total counter\n"
        for (language, count) in deploys.sorted(by: { $0.key < $1.key }) {
            text += "faas_deploys_total{language=\"\(language)\"} \(count)\n"
        }
        text += "# HELP faas_invoke_duration_seconds Invoke latency through the gateway.\n# TYPE faas_invoke_duration_seconds histogram\n"
        for (index, bound) in Self.bounds.enumerated() {
            text += "faas_invoke_duration_seconds_bucket{le=\"\(bound)\"} \(latencyBuckets[index])\n"
        }
        text += "faas_invoke_duration_seconds_bucket{le=\"+Inf\"} \(latencyCount)\n"
        text += "faas_invoke_duration_seconds_sum \(latencySum)\nfaas_invoke_duration_seconds_count \(latencyCount)\n"
        text += "# TYPE faas_functions gauge\nfaas_functions \(functions)\n"
        text += "# TYPE faas_open_connections gauge\nfaas_open_connections \(connections)\n"
        text += "# TYPE faas_invocations_in_flight gauge\nfaas_invocations_in_flight \(inFlight)\n"
        text += "# TYPE faas_server_connected gauge\nfaas_server_connected \(serverConnected ? 1 : 0)\n"
        if let workers {
            // As the server reported in its last pong (at most half a second old).
            text += "# HELP faas_workers The server's workers by state (autoscaling).\n# TYPE faas_workers gauge\n"
            text += "faas_workers{state=\"busy\"} \(workers.busy)\nfaas_workers{state=\"idle\"} \(workers.idle)\n"
            text += "faas_workers{state=\"starting\"} \(workers.starting)\n"
        }
        return text
    }
}
