/// `{"type":"worker_done","worker_id":2,"pid":123,"id":7}`: the worker finished job `id`.
public struct WorkerDoneMessage: Codable, Sendable {
    public private(set) var type = MessageType.workerDone
    public var workerID: Int
    public var pid: Int32
    public var id: UInt64

    enum CodingKeys: String, CodingKey {
        case type, pid, id
        case workerID = "worker_id"
    }

    public init(workerID: Int, pid: Int32, id: UInt64) {
        self.workerID = workerID
        self.pid = pid
        self.id = id
    }
}
