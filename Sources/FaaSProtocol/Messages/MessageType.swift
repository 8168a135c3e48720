/// The `"type"` values of the wire protocol.
public enum MessageType: String, Sendable {
    case invoke
    case registerWorker = "register_worker"
    case unregisterWorker = "unregister_worker"
    case forwardToWorker = "forward_to_worker"
    case job
    case workerDone = "worker_done"
    case result
    case ping
    case pong
}
