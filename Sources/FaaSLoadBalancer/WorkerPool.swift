/// The load balancer's view of one server's workers: who is registered, which are busy, how
/// long their recent jobs took, and which one the strategy picks next. Pure state, no I/O and
/// no clock of its own (times are passed in), so each strategy's choice is unit-tested directly.
///
/// A worker runs one job at a time (the server writes it one job, waits for its result), so a
/// worker with a job in flight is never picked: invokes wait in the load balancer's queue.
public struct WorkerPool {
    public struct Worker: Equatable {
        public let id: Int
        public let pid: Int32
        /// 0 or 1: jobs given and not yet reported done.
        public var inFlight: Int
        /// Dispatch counter value at the last pick (0: never picked).
        public var lastPicked: UInt64
        /// When the job in flight was given (seconds, the caller's clock).
        public var startedAt: Double
        /// Moving average of this worker's recent job durations, seconds (nil: none finished yet).
        public var recentDuration: Double?
        /// The function of the job in flight (nil: idle), for the per-function limit.
        public var function: String?
    }

    public let strategy: Strategy
    /// Sorted by worker id: "first" for FIFO, the ring order for round robin.
    public private(set) var workers: [Worker] = []
    private var cursor = 0
    private var picks: UInt64 = 0
    /// Weight of the newest job in `recentDuration`.
    private let smoothing = 0.3

    public init(strategy: Strategy) {
        self.strategy = strategy
    }

    public var isEmpty: Bool { workers.isEmpty }
    public var inFlight: Int { workers.reduce(0) { $0 + $1.inFlight } }
    /// Workers running a job of `function` now.
    public func running(_ function: String) -> Int { workers.reduce(0) { $0 + ($1.function == function ? 1 : 0) } }
    /// Whether some worker is free.
    public var hasIdle: Bool { workers.contains { $0.inFlight == 0 } }

    /// Registers (or re-registers, after a restart) a worker. A new pid starts idle.
    public mutating func register(id: Int, pid: Int32) {
        let fresh = Worker(id: id, pid: pid, inFlight: 0, lastPicked: 0, startedAt: 0, recentDuration: nil, function: nil)
        if let index = workers.firstIndex(where: { $0.id == id }) {
            if workers[index].pid != pid { workers[index] = fresh }
            return
        }
        workers.append(fresh)
        workers.sort { $0.id < $1.id }
    }

    /// Forgets a worker, if `pid` is still the registered process for that id.
    public mutating func unregister(id: Int, pid: Int32) {
        workers.removeAll { $0.id == id && $0.pid == pid }
        if cursor >= workers.count { cursor = 0 }
    }

    /// A job finished at `now`: its function and how long it took from the pick, or nil for a
    /// message about a replaced process (ignored).
    @discardableResult
    public mutating func done(id: Int, pid: Int32, now: Double) -> (function: String?, took: Double)? {
        guard let index = workers.firstIndex(where: { $0.id == id && $0.pid == pid }), workers[index].inFlight > 0 else { return nil }
        let function = workers[index].function
        workers[index].inFlight = 0
        workers[index].function = nil
        let took = max(0, now - workers[index].startedAt)
        workers[index].recentDuration = workers[index].recentDuration.map { $0 + smoothing * (took - $0) } ?? took
        return (function, took)
    }

    /// Picks an idle worker and counts the job (of `function`) against it from `now`; nil when
    /// all are busy (the caller queues).
    public mutating func pick(now: Double, for function: String? = nil) -> Worker? {
        guard let index = chooseIndex() else { return nil }
        picks += 1
        workers[index].inFlight = 1
        workers[index].function = function
        workers[index].lastPicked = picks
        workers[index].startedAt = now
        return workers[index]
    }

    private mutating func chooseIndex() -> Int? {
        let count = workers.count
        guard count > 0 else { return nil }
        switch strategy {
        case .rr:
            for step in 0..<count {
                let index = (cursor + step) % count
                if workers[index].inFlight == 0 {
                    cursor = (index + 1) % count
                    return index
                }
            }
            return nil
        case .fifo:
            return workers.firstIndex { $0.inFlight == 0 }
        case .weighted:
            // Among the idle: the one whose recent jobs finished fastest (one that has not run
            // any yet counts as 0, so it gets tried); ties go to the one picked longest ago.
            var best: Int?
            for index in workers.indices where workers[index].inFlight == 0 {
                guard let current = best else { best = index; continue }
                let a = workers[index], b = workers[current]
                if (a.recentDuration ?? 0, a.lastPicked) < (b.recentDuration ?? 0, b.lastPicked) { best = index }
            }
            return best
        }
    }
}
