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

    func render(running: Int, now: Double) -> String {
        var text = ""
        text += "# HELP faas_async_queue_depth Async invocations waiting in the queue.\n# TYPE faas_async_queue_depth gauge\n"
        text += "faas_async_queue_depth \(queue.depth)\n"
        text += "# HELP faas_async_oldest_queued_seconds Age of the oldest queued async invocation.\n# TYPE faas_async_oldest_queued_seconds gauge\n"
        text += "faas_async_oldest_queued_seconds \(queue.oldestSubmittedAt.map { max(0, now - $0) } ?? 0)\n"
        text += "# TYPE faas_async_running gauge\nfaas_async_running \(running)\n"
        text += "# TYPE faas_async_submitted_total counter\nfaas_async_submitted_total \(submitted)\n"
        text += "# HELP faas_async_finished_total Async invocations by final state.\n# TYPE faas_async_finished_total counter\n"
        for (state, count) in finished.sorted(by: { $0.key < $1.key }) { text += "faas_async_finished_total{state=\"\(state)\"} \(count)\n" }
        text += "# HELP faas_async_retries_total Attempts retried after a failure.\n# TYPE faas_async_retries_total counter\n"
        text += "faas_async_retries_total \(retries)\n"
        text += "# TYPE faas_callbacks_delivered_total counter\nfaas_callbacks_delivered_total \(callbacksDelivered)\n"
        text += "# HELP faas_callback_failures_total Callback attempts that failed (refused, unreachable, non-2xx).\n# TYPE faas_callback_failures_total counter\n"
        text += "faas_callback_failures_total \(callbackFailures)\n"
        text += "# TYPE faas_invocations_pruned_total counter\nfaas_invocations_pruned_total \(pruned)\n"
        return text
    }
}
