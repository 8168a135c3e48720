/// `{"type":"worker_done","worker_id":2,"pid":123,"id":7}`: the worker finished job `id`.
public struct WorkerDoneMessage: Sendable {
    public var workerID: Int
    public var pid: Int32
    public var id: UInt64

    public init(workerID: Int, pid: Int32, id: UInt64) {
        self.workerID = workerID
        self.pid = pid
        self.id = id
    }
}
