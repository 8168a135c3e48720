import FaaSProtocol
import XCTest

@testable import FaaSLoadBalancer

final class SchedulerTests: XCTestCase {
    private func scheduler(workers: Int, share: Int = 0, queueTimeout: Double = 30, burstBelow: Double = 0.005) -> Scheduler {
        var scheduler = Scheduler(strategy: .rr, queueSize: 100, queueTimeout: queueTimeout, defaultShare: share, burstBelow: burstBelow)
        for id in 0..<workers { scheduler.register(id: id, pid: Int32(100 + id)) }
        return scheduler
    }

    private func invoke(_ id: UInt64, _ fn: String, timeout: Double = 10, concurrency: Int? = nil) -> InvokeMessage {
        InvokeMessage(id: id, fn: fn, payload: nil, timeout: timeout, concurrency: concurrency)
    }

    func testDefaultShareIsHalfThePoolNeverAllOfIt() {
        XCTAssertEqual(Scheduler.limit(requested: nil, defaultShare: 0, pool: 4), 2)
        XCTAssertEqual(Scheduler.limit(requested: nil, defaultShare: 0, pool: 8), 4)
        XCTAssertEqual(Scheduler.limit(requested: nil, defaultShare: 0, pool: 3), 1)
        XCTAssertEqual(Scheduler.limit(requested: nil, defaultShare: 0, pool: 2), 1)
        XCTAssertEqual(Scheduler.limit(requested: nil, defaultShare: 0, pool: 1), 1, "one worker: it has to be shared in time")
        XCTAssertEqual(Scheduler.limit(requested: nil, defaultShare: 10, pool: 4), 3, "a configured share never takes the whole pool")
        XCTAssertEqual(Scheduler.limit(requested: 4, defaultShare: 0, pool: 4), 4, "a function's own limit may")
        XCTAssertEqual(Scheduler.limit(requested: 9, defaultShare: 0, pool: 4), 4)
        XCTAssertEqual(Scheduler.limit(requested: 1, defaultShare: 0, pool: 4), 1)
    }

    /// Four long calls of one function on four workers: two run, two wait, and a hello arriving
    /// then gets a free worker at once.
    func testHelloIsServedAtOnceWhileLongCallsWait() {
        var scheduler = scheduler(workers: 4)
        var forwarded: [String] = []
        for id in 1...4 {
            if case .forward(_, let job) = scheduler.submit(invoke(UInt64(id), "long"), now: 0) { forwarded.append(job.fn) }
        }
        XCTAssertEqual(forwarded, ["long", "long"], "half the pool")
        XCTAssertEqual(scheduler.queue.waiting("long"), 2)
        guard case .forward(let worker, let job) = scheduler.submit(invoke(9, "hello"), now: 1) else {
            return XCTFail("the hello waited behind the long calls")
        }
        XCTAssertEqual(job.fn, "hello")
        // The long calls may not take the two idle workers left.
        XCTAssertTrue(scheduler.dispatch(now: 1).isEmpty)
        // When the hello finishes, its worker still does not go to a third long call.
        scheduler.done(id: worker.id, pid: worker.pid, now: 1.1)
        XCTAssertTrue(scheduler.dispatch(now: 1.1).isEmpty)
        // When a long call finishes, the next long call takes its place.
        let longWorker = scheduler.pool.workers.first { $0.function == "long" }!
        scheduler.done(id: longWorker.id, pid: longWorker.pid, now: 5)
        let next = scheduler.dispatch(now: 5)
        XCTAssertEqual(next.map(\.1.id), [3])
        XCTAssertEqual(next.first?.1.timeout ?? 0, 5, accuracy: 1e-9, "waiting counts against the time limit: 10 - 5")
    }

    func testFreedWorkersGoRoundRobinAcrossWaitingFunctions() {
        var scheduler = scheduler(workers: 2, share: 0)
        // Pool of 2: each function may use 1 worker.
        guard case .forward(let first, _) = scheduler.submit(invoke(1, "a"), now: 0) else { return XCTFail() }
        guard case .forward(let second, _) = scheduler.submit(invoke(2, "b"), now: 0) else { return XCTFail() }
        for id in 3...5 { guard case .queued = scheduler.submit(invoke(UInt64(id), "a"), now: 0) else { return XCTFail() } }
        guard case .queued = scheduler.submit(invoke(6, "b"), now: 0) else { return XCTFail() }
        scheduler.done(id: first.id, pid: first.pid, now: 1)
        XCTAssertEqual(scheduler.dispatch(now: 1).map(\.1.id), [3])
        scheduler.done(id: second.id, pid: second.pid, now: 1)
        XCTAssertEqual(scheduler.dispatch(now: 1).map(\.1.id), [6], "b's turn, not a's next call")
    }

    func testConcurrencyOfTheFunctionIsItsLimit() {
        var scheduler = scheduler(workers: 4)
        var forwarded = 0
        for id in 1...4 {
            if case .forward = scheduler.submit(invoke(UInt64(id), "wide", concurrency: 4), now: 0) { forwarded += 1 }
        }
        XCTAssertEqual(forwarded, 4, "deployed with concurrency=4: the whole pool")
    }

    func testQueueWaitNeverLongerThanTheInvocationsTimeout() {
        var scheduler = scheduler(workers: 2, queueTimeout: 30)
        _ = scheduler.submit(invoke(1, "a", timeout: 100), now: 0)
        guard case .queued = scheduler.submit(invoke(2, "a", timeout: 2), now: 0) else { return XCTFail() }
        guard case .queued = scheduler.submit(invoke(3, "a", timeout: 100), now: 0) else { return XCTFail() }
        XCTAssertTrue(scheduler.expire(now: 1.9).isEmpty)
        let expired = scheduler.expire(now: 2)
        XCTAssertEqual(expired.map(\.id), [2])
        XCTAssertEqual(expired.first?.code, .timeout)
        let late = scheduler.expire(now: 30)
        XCTAssertEqual(late.map(\.id), [3])
        XCTAssertEqual(late.first?.code, .overloaded, "the queue timeout, shorter than its own limit")
        XCTAssertTrue(scheduler.queue.isEmpty)
    }

    func testNoWorkerRefusesAndFullQueueIsOverloaded() {
        var empty = Scheduler(strategy: .rr, queueSize: 1, queueTimeout: 30, defaultShare: 0)
        guard case .refused(.noWorker, _) = empty.submit(invoke(1, "a"), now: 0) else { return XCTFail() }
        var scheduler = Scheduler(strategy: .rr, queueSize: 1, queueTimeout: 30, defaultShare: 0)
        scheduler.register(id: 0, pid: 1)
        guard case .forward = scheduler.submit(invoke(1, "a"), now: 0) else { return XCTFail() }
        guard case .queued = scheduler.submit(invoke(2, "a"), now: 0) else { return XCTFail() }
        guard case .refused(.overloaded, _) = scheduler.submit(invoke(3, "b"), now: 0) else { return XCTFail() }
    }

    func testAWorkerThatDiesFreesItsFunctionsShare() {
        var scheduler = scheduler(workers: 4)
        guard case .forward(let worker, _) = scheduler.submit(invoke(1, "a"), now: 0) else { return XCTFail() }
        _ = scheduler.submit(invoke(2, "a"), now: 0)
        guard case .queued = scheduler.submit(invoke(3, "a"), now: 0) else { return XCTFail() }
        scheduler.unregister(id: worker.id, pid: worker.pid)
        scheduler.register(id: worker.id, pid: worker.pid + 1000)
        XCTAssertEqual(scheduler.dispatch(now: 1).map(\.1.id), [3])
    }

    // MARK: short calls burst past the share

    /// Runs `count` calls of `fn` one after another, each taking `took` seconds; returns the
    /// clock after them.
    @discardableResult
    private func warm(_ scheduler: inout Scheduler, _ fn: String, count: Int = 4, took: Double, concurrency: Int? = nil, from start: Double = 0) -> Double {
        var now = start
        for n in 0..<count {
            guard case .forward(let worker, _) = scheduler.submit(invoke(UInt64(1000 + n), fn, concurrency: concurrency), now: now) else {
                XCTFail("warm-up call \(n) of \(fn) was not forwarded")
                return now
            }
            now += took
            scheduler.done(id: worker.id, pid: worker.pid, now: now)
        }
        return now
    }

    private func forwardedCount(_ scheduler: inout Scheduler, _ fn: String, ids: ClosedRange<UInt64>, now: Double, concurrency: Int? = nil) -> Int {
        ids.reduce(0) { count, id in
            if case .forward = scheduler.submit(invoke(id, fn, concurrency: concurrency), now: now) { return count + 1 }
            return count
        }
    }

    func testShortCallsTakeTheWholePoolWhileNothingElseWaits() {
        var scheduler = scheduler(workers: 4, burstBelow: 0.005)
        let now = warm(&scheduler, "hot", took: 0.001)
        XCTAssertEqual(scheduler.times["hot"]?.count, 4)
        XCTAssertEqual(forwardedCount(&scheduler, "hot", ids: 1...4, now: now), 4, "past its share of 2: the whole pool")
        XCTAssertEqual(scheduler.pool.running("hot"), 4)
    }

    /// With every worker busy, a short function's calls queue at its own workers, three deep: a
    /// worker starts the next the moment one ends, and the function's running count never grows.
    func testShortCallsQueueBehindTheirOwnThreeDeep() {
        XCTAssertEqual(WorkerPool.queueDepth, 3)
        var scheduler = scheduler(workers: 4)
        let now = warm(&scheduler, "hot", took: 0.001)
        XCTAssertEqual(forwardedCount(&scheduler, "hot", ids: 1...18, now: now), 16, "four running, twelve queued behind them")
        XCTAssertEqual(scheduler.queue.waiting("hot"), 2)
        XCTAssertEqual(scheduler.pool.workers.map(\.inFlight), [4, 4, 4, 4])
        XCTAssertEqual(scheduler.pool.running("hot"), 4)
        // Worker 0 ends call 1: call 5, queued there, runs now; call 17 takes a place in line.
        let first = scheduler.pool.workers[0]
        XCTAssertEqual(first.jobs.map(\.id), [1, 5, 9, 13])
        scheduler.done(id: first.id, pid: first.pid, job: 1, now: now + 0.001)
        XCTAssertEqual(scheduler.pool.workers[0].jobs.map(\.id), [5, 9, 13])
        XCTAssertEqual(scheduler.dispatch(now: now + 0.001).map(\.1.id), [17])
        XCTAssertEqual(scheduler.pool.workers[0].jobs.map(\.id), [5, 9, 13, 17])
        XCTAssertEqual(scheduler.pool.running("hot"), 4)
        // A queued call the server could not deliver is taken off without ending the running one.
        scheduler.done(id: first.id, pid: first.pid, job: 17, now: now + 0.0015)
        XCTAssertEqual(scheduler.pool.workers[0].jobs.map(\.id), [5, 9, 13])
        XCTAssertEqual(scheduler.times["hot"]?.count, 5, "only call 1 was timed")
    }

    func testNoCallQueuesBehindWhileAnotherFunctionWaitsNorBehindALongRunningCall() {
        var scheduler = scheduler(workers: 2)
        let now = warm(&scheduler, "hot", took: 0.001)
        XCTAssertEqual(forwardedCount(&scheduler, "hot", ids: 1...2, now: now), 2)
        guard case .queued = scheduler.submit(invoke(3, "other"), now: now) else { return XCTFail("no worker is idle") }
        guard case .queued = scheduler.submit(invoke(4, "hot"), now: now) else { return XCTFail("other waits: hot may not queue at a worker") }

        var patient = self.scheduler(workers: 1)
        let later = warm(&patient, "hot", took: 0.001)
        XCTAssertEqual(forwardedCount(&patient, "hot", ids: 1...1, now: later), 1)
        guard case .queued = patient.submit(invoke(2, "hot"), now: later + 1) else {
            return XCTFail("the call running for a second is not short: nothing queues behind it")
        }
        XCTAssertEqual(patient.pool.workers[0].inFlight, 1)
    }

    /// A call of another function arriving while a short one fills every worker, four deep,
    /// waits about four short calls: those queued ahead of it at the first worker to drain.
    func testABurstingFunctionGivesTheNextFreeWorkerToAnotherFunctionsCall() {
        var scheduler = scheduler(workers: 4)
        let now = warm(&scheduler, "hot", took: 0.001)
        XCTAssertEqual(forwardedCount(&scheduler, "hot", ids: 1...17, now: now), 16)
        guard case .queued = scheduler.submit(invoke(20, "other"), now: now) else { return XCTFail("no worker is idle") }
        let busy = scheduler.pool.workers[2]
        XCTAssertEqual(busy.jobs.map(\.id), [3, 7, 11, 15])
        for (step, job) in [3, 7, 11].enumerated() {
            scheduler.done(id: busy.id, pid: busy.pid, job: UInt64(job), now: now + 0.001 * Double(step + 1))
            XCTAssertTrue(scheduler.dispatch(now: now + 0.001 * Double(step + 1)).isEmpty, "other waits, so hot's call 17 queues nowhere")
        }
        scheduler.done(id: busy.id, pid: busy.pid, job: 15, now: now + 0.004)
        XCTAssertEqual(scheduler.dispatch(now: now + 0.004).map(\.1.id), [20], "the other function's call, not hot's call 17")
        // Nothing of another function waits any more: hot may queue at its workers again.
        let next = scheduler.pool.workers[0]
        scheduler.done(id: next.id, pid: next.pid, job: 1, now: now + 0.0045)
        XCTAssertEqual(scheduler.dispatch(now: now + 0.0045).map(\.1.id), [17])
    }

    func testLongUnknownOrLimitedFunctionsNeverBurst() {
        var scheduler = scheduler(workers: 4)
        XCTAssertEqual(forwardedCount(&scheduler, "new", ids: 1...4, now: 0), 2, "no history yet: its share")

        var slow = self.scheduler(workers: 4)
        let later = warm(&slow, "slow", took: 0.5)
        XCTAssertEqual(forwardedCount(&slow, "slow", ids: 1...4, now: later), 2, "calls of half a second are not short")

        var narrow = self.scheduler(workers: 4)
        let after = warm(&narrow, "narrow", took: 0.001, concurrency: 1)
        XCTAssertEqual(forwardedCount(&narrow, "narrow", ids: 1...6, now: after, concurrency: 1), 4, "one running, three queued behind it")
        XCTAssertEqual(narrow.pool.running("narrow"), 1, "its own concurrency is a promise")

        var off = self.scheduler(workers: 4, burstBelow: 0)
        let then = warm(&off, "hot", took: 0.001)
        XCTAssertEqual(forwardedCount(&off, "hot", ids: 1...4, now: then), 2, "--burst-below 0: shares are strict, nothing queues at a worker")
    }

    func testAFunctionWhoseCallsTurnLongStopsBursting() {
        var scheduler = scheduler(workers: 4)
        var now = warm(&scheduler, "moody", took: 0.001)
        now = warm(&scheduler, "moody", count: 3, took: 0.2, from: now)
        XCTAssertGreaterThan(scheduler.times["moody"]?.average ?? 0, 0.005)
        XCTAssertEqual(forwardedCount(&scheduler, "moody", ids: 1...4, now: now), 2)
    }
}
