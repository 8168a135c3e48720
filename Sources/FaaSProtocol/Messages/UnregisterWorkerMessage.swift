/// `{"type":"unregister_worker","worker_id":0,"pid":12345}`: that worker process is gone.
public struct UnregisterWorkerMessage: Sendable {
    public var workerID: Int
    public var pid: Int32

    public init(workerID: Int, pid: Int32) {
        self.workerID = workerID
        self.pid = pid
    }
}
