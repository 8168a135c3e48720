import FaaSHTTP

/// `GET /health` and `GET /metrics`: what monitoring asks of the gateway.
extension Gateway {
    func health(_ call: RouteCall) {
        // A ping through the chain, answered within the monitor's deadline whatever happens.
        chain.check { [unowned self] check in
            let body = ResponseBodies.Health(check, functions: self.store.count)
            call.reply(HTTPResponse.json(status: check.isHealthy ? .ok : .serviceUnavailable, body))
        }
    }

    /// The Prometheus text: the gateway's counters, auth, invocations and log streams.
    func metricsRoute(_ call: RouteCall) {
        var out = PrometheusText()
        metrics.render(functions: store.count, connections: sessions.count, inFlight: server.inFlight,
                       serverConnected: server.isConnected, workers: server.workers, into: &out)
        authenticator.metrics.render(into: &out)
        invocations.renderMetrics(into: &out)
        out.gauge("faas_log_followers", help: "Open log streams (follow=1).", functionLogs.followerCount)
        call.reply(HTTPResponse(status: .ok, headers: ["Content-Type": "text/plain; version=0.0.4"], body: out.text))
    }
}
