/// Any message of the protocol (see `WireProtocol`), decoded in one pass by its `"type"`.
public enum WireMessage: Sendable {
    case invoke(InvokeMessage)
    case registerWorker(RegisterWorkerMessage)
    case unregisterWorker(UnregisterWorkerMessage)
    case forwardToWorker(ForwardToWorkerMessage)
    case job(JobMessage)
    case workerDone(WorkerDoneMessage)
    case result(ResultMessage)
    case ping(PingMessage)
    case pong(PongMessage)
}
