/// `{"type":"pong","id":3,"load_balancer":"ok","workers_busy":1,"workers_idle":3,"workers_starting":0}`:
/// the answer to `ping` `id`. From the server,
/// `load_balancer` says whether the load balancer answered its own ping in time (`ok`,
/// `unreachable`: not connected, `timeout`: no pong within the deadline); the load balancer's
/// own pong carries no such field.
public struct PongMessage: Sendable, Equatable {
    public enum PartState: String, Sendable {
        case ok
        case unreachable
        case timeout
    }

    /// The server's workers by state, for the gateway's `/metrics` (`faas_workers{state=...}`).
    public struct WorkerCounts: Sendable, Equatable {
        public var busy: Int
        public var idle: Int
        public var starting: Int

        public init(busy: Int, idle: Int, starting: Int) {
            self.busy = busy
            self.idle = idle
            self.starting = starting
        }
    }

    public var id: UInt64
    public var loadBalancer: PartState?
    public var workers: WorkerCounts?

    public init(id: UInt64, loadBalancer: PartState? = nil, workers: WorkerCounts? = nil) {
        self.id = id
        self.loadBalancer = loadBalancer
        self.workers = workers
    }
}
