import FaaSProtocol

/// One server's scheduling state: its workers (`WorkerPool`), the invokes waiting for one
/// (`FairQueue`), and the rules that decide who runs next. Pure state, no I/O and no clock of
/// its own (times are passed in), so the fairness rules are unit-tested directly.
///
/// The rules:
/// - A function may have at most `limit(for:)` jobs running at once: its own `concurrency`
///   (deploy `&concurrency=N`, up to the whole pool), else the default share (the load
///   balancer's `--function-concurrency`, 0: half the pool), which never takes the whole pool
///   when there is more than one worker. So a call of another function always finds a worker
///   the first one may not take.
/// - Short calls may burst past the default share: a function without its own `concurrency`
///   whose recent calls took under `burstBelow` on average (after a few calls) may take more
///   workers while no call of another function waits. A half-idle pool serving one hot function
///   wastes half the machine; a call of another function arriving meanwhile waits about one
///   such short call, then the freed worker goes to it (the burster is over its share, the
///   newcomer is not). Long or unknown calls never burst, so the rule above still holds for them.
/// - Short calls may also queue at a worker: while no call of another function waits, a call
///   of a short function (the same test as bursting) that finds no free worker goes to a worker
///   running a call of the same function that started less than `burstBelow` ago, at most
///   `WorkerPool.queueDepth` behind it. The worker starts it the moment the one before ends,
///   without a round trip through this daemon: under load a pool of short calls does not idle
///   between two. The function's count of running calls does not change (its calls there end
///   first), so its limit holds; a call of another function arriving meanwhile waits for the
///   next worker that frees up, about `queueDepth` + 1 short calls.
/// - Calls beyond that wait, one FIFO per function; a freed worker goes to the next function in
///   round robin that has calls waiting and is under its limit.
/// - Waiting counts against the call's own time limit: a call never waits longer than its
///   `timeout` (504) nor than the queue timeout (503), and the job forwarded after a wait carries
///   what is left of its time limit.
public struct Scheduler {
    public struct Waiting {
        public var invoke: InvokeMessage
        public var since: Double
    }

    /// What became of a submitted invoke.
    public enum Decision {
        case forward(WorkerPool.Worker, JobMessage)
        case queued
        case refused(FailureCode, String)
    }

    /// A function's recent call durations (from the pick to the worker's done).
    public struct CallTimes: Equatable {
        public var average: Double
        public var count: Int
    }

    public private(set) var pool: WorkerPool
    public private(set) var queue: FairQueue<Waiting>
    public let defaultShare: Int
    public let queueTimeout: Double
    /// Seconds; 0: no function bursts past its share.
    public let burstBelow: Double
    public private(set) var times: [String: CallTimes] = [:]
    /// Calls a function must have finished before it may burst.
    static let burstHistory = 4
    /// Weight of the newest call in `CallTimes.average`.
    private static let smoothing = 0.3

    public init(strategy: Strategy, queueSize: Int, queueTimeout: Double, defaultShare: Int, burstBelow: Double = 0) {
        pool = WorkerPool(strategy: strategy)
        queue = FairQueue(capacity: queueSize)
        self.defaultShare = defaultShare
        self.queueTimeout = queueTimeout
        self.burstBelow = burstBelow
    }

    /// Workers a function may use at once in a pool of `pool` workers.
    public static func limit(requested: Int?, defaultShare: Int, pool: Int) -> Int {
        if let requested { return max(1, min(requested, pool)) }
        let share = defaultShare > 0 ? defaultShare : pool / 2
        return max(1, min(share, pool - 1))
    }

    public func limit(for invoke: InvokeMessage) -> Int {
        Self.limit(requested: invoke.concurrency, defaultShare: defaultShare, pool: pool.workers.count)
    }

    /// Whether `function` may run one more call now: under its limit, or bursting past the
    /// default share (its recent calls short, no call of another function waiting). Static, on
    /// copies of the pool and the times: `dispatch` asks it while the queue is being popped.
    private static func mayRun(_ function: String, concurrency: Int?, othersWaiting: Bool, pool: WorkerPool,
                               times: [String: CallTimes], defaultShare: Int, burstBelow: Double) -> Bool {
        if pool.running(function) < limit(requested: concurrency, defaultShare: defaultShare, pool: pool.workers.count) { return true }
        return concurrency == nil && isShort(function, othersWaiting: othersWaiting, times: times, burstBelow: burstBelow)
    }

    /// The test for bursting and for queueing at a worker: no call of another function waits,
    /// and `function`'s recent calls took under `burstBelow` on average (after a few calls).
    private static func isShort(_ function: String, othersWaiting: Bool, times: [String: CallTimes], burstBelow: Double) -> Bool {
        guard burstBelow > 0, !othersWaiting, let recent = times[function], recent.count >= burstHistory else { return false }
        return recent.average < burstBelow
    }

    public mutating func submit(_ invoke: InvokeMessage, now: Double) -> Decision {
        if pool.isEmpty { return .refused(.noWorker, "no worker is available") }
        // Calls of the same function already waiting go first: its order is kept.
        if queue.waiting(invoke.fn) == 0 {
            if Self.mayRun(invoke.fn, concurrency: invoke.concurrency, othersWaiting: !queue.isEmpty, pool: pool, times: times,
                           defaultShare: defaultShare, burstBelow: burstBelow),
               let worker = pool.pick(now: now, for: invoke.fn, job: invoke.id) {
                return .forward(worker, invoke.job)
            }
            // Only behind a call running for less than `burstBelow` so far, not one that
            // already turned out long.
            if Self.isShort(invoke.fn, othersWaiting: !queue.isEmpty, times: times, burstBelow: burstBelow),
               let worker = pool.queueBehind(for: invoke.fn, job: invoke.id, startedAfter: now - burstBelow) {
                return .forward(worker, invoke.job)
            }
        }
        guard queue.append(Waiting(invoke: invoke, since: now), for: invoke.fn) else {
            return .refused(.overloaded, "overloaded: \(queue.capacity) invocations already waiting for a worker")
        }
        return .queued
    }

    /// Gives free workers to waiting calls, in turn; the jobs to forward.
    public mutating func dispatch(now: Double) -> [(WorkerPool.Worker, JobMessage)] {
        var out: [(WorkerPool.Worker, JobMessage)] = []
        while !queue.isEmpty, pool.hasIdle {
            let pool = self.pool, times = self.times, share = defaultShare, burst = burstBelow
            // The function asked about has calls waiting: others wait too when more than one does.
            let othersWaiting = queue.functionsWaiting > 1
            guard let next = queue.popNext(where: { key, waiting in
                Self.mayRun(key, concurrency: waiting.invoke.concurrency, othersWaiting: othersWaiting, pool: pool, times: times,
                            defaultShare: share, burstBelow: burst)
            }) else { break }
            guard let worker = self.pool.pick(now: now, for: next.key, job: next.element.invoke.id) else { break }
            out.append((worker, Self.job(for: next.element, now: now)))
        }
        // No free worker for them: when a single function waits, its calls may queue behind its
        // own (a place is checked before the pop, so a popped call always gets one).
        while let function = queue.soleFunction, Self.isShort(function, othersWaiting: false, times: times, burstBelow: burstBelow),
              pool.canQueueBehind(function, startedAfter: now - burstBelow),
              let next = queue.popNext(where: { _, _ in true }),
              let worker = pool.queueBehind(for: function, job: next.element.invoke.id, startedAfter: now - burstBelow) {
            out.append((worker, Self.job(for: next.element, now: now)))
        }
        return out
    }

    /// The job for a call that waited: what is left of its time limit.
    private static func job(for waiting: Waiting, now: Double) -> JobMessage {
        var job = waiting.invoke.job
        if let timeout = job.timeout { job.timeout = max(0.001, timeout - (now - waiting.since)) }
        return job
    }

    public mutating func register(id: Int, pid: Int32) { pool.register(id: id, pid: pid) }

    public mutating func unregister(id: Int, pid: Int32) { pool.unregister(id: id, pid: pid) }

    /// Worker `id` is done with job `job` (nil: its running one).
    public mutating func done(id: Int, pid: Int32, job: UInt64? = nil, now: Double) {
        guard let (function, took) = pool.done(id: id, pid: pid, job: job, now: now), let function else { return }
        // Deleted functions leave entries behind: bounded, the way the worker's caches are.
        if times.count >= 100_000 && times[function] == nil { times.removeAll(keepingCapacity: true) }
        if var recent = times[function] {
            recent.average += Self.smoothing * (took - recent.average)
            recent.count += 1
            times[function] = recent
        } else {
            times[function] = CallTimes(average: took, count: 1)
        }
    }

    /// Calls that waited as long as they may: past their own time limit, or the queue timeout.
    public mutating func expire(now: Double) -> [(id: UInt64, code: FailureCode, why: String)] {
        let queueTimeout = self.queueTimeout
        func deadline(_ waiting: Waiting) -> Double { waiting.since + min(queueTimeout, waiting.invoke.timeout ?? queueTimeout) }
        return queue.removeAll { now >= deadline($0) }.map { waiting in
            if let timeout = waiting.invoke.timeout, timeout <= queueTimeout {
                return (waiting.invoke.id, .timeout, "timed out after \(timeout) s waiting for a worker (\(waiting.invoke.fn) is at its limit of workers or all are busy)")
            }
            return (waiting.invoke.id, .overloaded, "overloaded: no worker became free within \(queueTimeout) s")
        }
    }

    /// Empties the queue (the server went away, or the last worker did).
    public mutating func removeAllWaiting() -> [UInt64] {
        queue.removeAll().map(\.invoke.id)
    }
}
