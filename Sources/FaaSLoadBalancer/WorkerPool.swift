/// The load balancer's view of one server's workers: who is registered, which are busy, how
/// long their recent jobs took, and which one the strategy picks next. Pure state, no I/O and
/// no clock of its own (times are passed in), so each strategy's choice is unit-tested directly.
///
/// A worker runs one job at a time. `pick` only hands out idle workers; `queueBehind` may give
/// a busy one a second job, of the function it is running, which the worker starts as soon as
/// the first ends (the server writes them all to its pipe): no round trip through the load
/// balancer between two short calls (see `Scheduler`). At most `queueDepth` jobs wait at a worker.
public struct WorkerPool {
    public struct Job: Equatable {
        /// The server's id for the job (0 when the caller has none, as in the unit tests).
        public var id: UInt64
        public var function: String?
    }

    public struct Worker: Equatable {
        public let id: Int
        public let pid: Int32
        /// Jobs given and not yet reported done, the running one first, then those queued
        /// behind it (at most `queueDepth`).
        public var jobs: [Job] = []
        /// Dispatch counter value at the last pick (0: never picked).
        public var lastPicked: UInt64
        /// When the running job started (seconds, the caller's clock): when it was given, or
        /// when the job before it ended.
        public var startedAt: Double
        /// Moving average of this worker's recent job durations, seconds (nil: none finished yet).
        public var recentDuration: Double?

        public var inFlight: Int { jobs.count }
        /// The function of the running job (nil: idle), for the per-function limit.
        public var function: String? { jobs.first?.function }
    }

    /// Jobs that may wait at a worker behind its running one. One is not enough to keep a
    /// worker busy under load: the job after it is chosen only when the load balancer hears of
    /// the first one's end, a round trip through the server the worker would spend asleep
    /// (C hello on 4 workers under wrk, against none: one +30%, two +50%, three 5-15% more).
    public static let queueDepth = 3

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
    public var hasIdle: Bool { workers.contains { $0.jobs.isEmpty } }
    /// Whether some worker runs a job of `function`, started after `startedAfter`, with room
    /// for one more behind it.
    public func canQueueBehind(_ function: String, startedAfter: Double) -> Bool {
        workers.contains { Self.mayQueue(behind: $0, function, startedAfter) }
    }

    private static func mayQueue(behind worker: Worker, _ function: String, _ startedAfter: Double) -> Bool {
        (1...queueDepth).contains(worker.jobs.count) && worker.function == function && worker.startedAt > startedAfter
    }

    /// Registers (or re-registers, after a restart) a worker. A new pid starts idle.
    public mutating func register(id: Int, pid: Int32) {
        let fresh = Worker(id: id, pid: pid, lastPicked: 0, startedAt: 0, recentDuration: nil)
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

    /// Worker `id` is done with job `job` (nil: with its running job) at `now`: the job's
    /// function and how long it ran, or nil when nothing ran (a message about a replaced
    /// process or an unknown job, ignored; or a queued job the server never started).
    @discardableResult
    public mutating func done(id: Int, pid: Int32, job: UInt64? = nil, now: Double) -> (function: String?, took: Double)? {
        guard let index = workers.firstIndex(where: { $0.id == id && $0.pid == pid }), !workers[index].jobs.isEmpty else { return nil }
        var position = 0
        if let job {
            guard let found = workers[index].jobs.firstIndex(where: { $0.id == job }) else { return nil }
            position = found
        }
        let finished = workers[index].jobs.remove(at: position)
        guard position == 0 else { return nil }
        let took = max(0, now - workers[index].startedAt)
        // The job queued behind it starts now.
        workers[index].startedAt = now
        workers[index].recentDuration = workers[index].recentDuration.map { $0 + smoothing * (took - $0) } ?? took
        return (finished.function, took)
    }

    /// Picks an idle worker and counts the job (`job`, of `function`) against it from `now`;
    /// nil when all are busy (the caller queues).
    public mutating func pick(now: Double, for function: String? = nil, job: UInt64 = 0) -> Worker? {
        guard let index = chooseIndex() else { return nil }
        picks += 1
        workers[index].jobs = [Job(id: job, function: function)]
        workers[index].lastPicked = picks
        workers[index].startedAt = now
        return workers[index]
    }

    /// Queues job `job` of `function` at a worker running a job of the same function, started
    /// after `startedAfter`, with room behind it: of those, the one with the fewest jobs, then
    /// the one whose job started first (the likeliest to end first). nil when there is none
    /// (`canQueueBehind` is false).
    /// The function's count of running jobs does not change: its job there ends before this one
    /// starts.
    public mutating func queueBehind(for function: String, job: UInt64, startedAfter: Double) -> Worker? {
        var best: Int?
        for index in workers.indices where Self.mayQueue(behind: workers[index], function, startedAfter) {
            if best.map({ (workers[index].jobs.count, workers[index].startedAt) < (workers[$0].jobs.count, workers[$0].startedAt) }) ?? true { best = index }
        }
        guard let best else { return nil }
        workers[best].jobs.append(Job(id: job, function: function))
        return workers[best]
    }

    private mutating func chooseIndex() -> Int? {
        let count = workers.count
        guard count > 0 else { return nil }
        switch strategy {
        case .rr:
            for step in 0..<count {
                let index = (cursor + step) % count
                if workers[index].jobs.isEmpty {
                    cursor = (index + 1) % count
                    return index
                }
            }
            return nil
        case .fifo:
            return workers.firstIndex { $0.jobs.isEmpty }
        case .weighted:
            // Among the idle: the one whose recent jobs finished fastest (one that has not run
            // any yet counts as 0, so it gets tried); ties go to the one picked longest ago.
            var best: Int?
            for index in workers.indices where workers[index].jobs.isEmpty {
                guard let current = best else { best = index; continue }
                let a = workers[index], b = workers[current]
                if (a.recentDuration ?? 0, a.lastPicked) < (b.recentDuration ?? 0, b.lastPicked) { best = index }
            }
            return best
        }
    }
}
