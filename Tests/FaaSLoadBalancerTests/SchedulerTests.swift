import FaaSProtocol
import XCTest

@testable import FaaSLoadBalancer

final class SchedulerTests: XCTestCase {
    private func scheduler(workers: Int, share: Int = 0, queueTimeout: Double = 30) -> Scheduler {
        var scheduler = Scheduler(strategy: .rr, queueSize: 100, queueTimeout: queueTimeout, defaultShare: share)
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
}
