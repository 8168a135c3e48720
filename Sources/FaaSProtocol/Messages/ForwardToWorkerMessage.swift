/// `{"type":"forward_to_worker","worker_id":2,"pid":123,"job":{...}}`: the load balancer's pick.
public struct ForwardToWorkerMessage: Sendable {
    public var workerID: Int
    /// The worker process the pick was made for; a replaced worker's slot does not take it.
    public var pid: Int32
    public var job: JobMessage

    public init(workerID: Int, pid: Int32, job: JobMessage) {
        self.workerID = workerID
        self.pid = pid
        self.job = job
    }
}
