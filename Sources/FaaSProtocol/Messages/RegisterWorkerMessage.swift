/// `{"type":"register_worker","worker_id":0,"pid":12345}`: a worker is ready for jobs.
public struct RegisterWorkerMessage: Codable, Sendable {
    public private(set) var type = MessageType.registerWorker
    public var workerID: Int
    public var pid: Int32

    enum CodingKeys: String, CodingKey {
        case type, pid
        case workerID = "worker_id"
    }

    public init(workerID: Int, pid: Int32) {
        self.workerID = workerID
        self.pid = pid
    }
}
