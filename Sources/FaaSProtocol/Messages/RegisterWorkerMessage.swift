/// `{"type":"register_worker","worker_id":0,"pid":12345}`: a worker is ready for jobs.
public struct RegisterWorkerMessage: Sendable {
    public var workerID: Int
    public var pid: Int32

    public init(workerID: Int, pid: Int32) {
        self.workerID = workerID
        self.pid = pid
    }
}
