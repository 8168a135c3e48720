/// Async invocation figures for `/metrics`.
struct InvocationMetrics {
    var submitted = 0
    var retries = 0
    var callbacksDelivered = 0
    var callbackFailures = 0
    var pruned = 0
    var finished: [String: Int] = [:]
    /// Refreshed every few seconds from the database.
    var queue = InvocationStore.QueueStats()

    func render(running: Int, now: Double, into out: inout PrometheusText) {
        out.gauge("faas_async_queue_depth", help: "Async invocations waiting in the queue.", queue.depth)
        out.gauge("faas_async_oldest_queued_seconds", help: "Age of the oldest queued async invocation.",
                  queue.oldestSubmittedAt.map { max(0, now - $0) } ?? 0)
        out.gauge("faas_async_running", running)
        out.counter("faas_async_submitted_total", submitted)
        out.declare("faas_async_finished_total", .counter, help: "Async invocations by final state.")
        for (state, count) in finished.sorted(by: { $0.key < $1.key }) { out.counter("faas_async_finished_total", labels: ["state": state], count) }
        out.counter("faas_async_retries_total", help: "Attempts retried after a failure.", retries)
        out.counter("faas_callbacks_delivered_total", callbacksDelivered)
        out.counter("faas_callback_failures_total", help: "Callback attempts that failed (refused, unreachable, non-2xx).", callbackFailures)
        out.counter("faas_invocations_pruned_total", pruned)
    }
}
