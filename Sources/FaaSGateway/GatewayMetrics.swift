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

    func render(functions: Int, connections: Int, inFlight: Int, serverConnected: Bool, workers: PongMessage.WorkerCounts? = nil,
                into out: inout PrometheusText) {
        out.declare("faas_http_requests_total", .counter, help: "HTTP requests by route and status.")
        for (key, count) in requests.sorted(by: { $0.key < $1.key }) {
            let parts = key.split(separator: " ")
            out.counter("faas_http_requests_total", labels: ["route": String(parts[0]), "status": String(parts[1])], count)
        }
        out.declare("faas_invocations_total", .counter, help: "Invocations by outcome.")
        for (outcome, count) in invocations.sorted(by: { $0.key < $1.key }) {
            out.counter("faas_invocations_total", labels: ["outcome": outcome], count)
        }
        out.declare("faas_deploys_total", .counter, help: "Successful deploys by language.")
        for (language, count) in deploys.sorted(by: { $0.key < $1.key }) {
            out.counter("faas_deploys_total", labels: ["language": language], count)
        }
        out.histogram("faas_invoke_duration_seconds", help: "Invoke latency through the gateway.", bounds: Self.bounds, buckets: latencyBuckets,
                      sum: latencySum, count: latencyCount)
        out.gauge("faas_functions", functions)
        out.gauge("faas_open_connections", connections)
        out.gauge("faas_invocations_in_flight", inFlight)
        out.gauge("faas_server_connected", serverConnected ? 1 : 0)
        if let workers {
            // As the server reported in its last pong (at most half a second old).
            let help = "The server's workers by state (autoscaling)."
            out.gauge("faas_workers", help: help, labels: ["state": "busy"], workers.busy)
            out.gauge("faas_workers", help: help, labels: ["state": "idle"], workers.idle)
            out.gauge("faas_workers", help: help, labels: ["state": "starting"], workers.starting)
        }
    }
}
