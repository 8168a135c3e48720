import XCTest

import FaaSLoadBalancer

final class WorkerPoolTests: XCTestCase {
    /// Workers 0...count-1 with pids 1000, 1001, ...
    private func pool(_ strategy: Strategy, workers count: Int = 4) -> WorkerPool {
        var pool = WorkerPool(strategy: strategy)
        for id in 0..<count { pool.register(id: id, pid: pid(id)) }
        return pool
    }

    private func pid(_ id: Int) -> Int32 { Int32(1000 + id) }

    private func pickID(_ pool: inout WorkerPool, file: StaticString = #filePath, line: UInt = #line) -> Int? {
        guard let worker = pool.pick(now: 0) else { return nil }
        XCTAssertEqual(worker.pid, pid(worker.id), "the pick carries the registered pid", file: file, line: line)
        return worker.id
    }

    private func release(_ pool: inout WorkerPool, _ id: Int) { pool.done(id: id, pid: pid(id), now: 0) }

    // MARK: round robin

    func testRoundRobinCyclesWithReleases() {
        var pool = pool(.rr)
        var order: [Int?] = []
        for _ in 0..<9 {
            let id = pickID(&pool)
            order.append(id)
            if let id { release(&pool, id) }
        }
        XCTAssertEqual(order, [0, 1, 2, 3, 0, 1, 2, 3, 0])
        XCTAssertEqual(pool.inFlight, 0)
    }

    func testRoundRobinSkipsFullWorkers() {
        var pool = pool(.rr)
        XCTAssertEqual(pickID(&pool), 0)   // 0 stays busy
        XCTAssertEqual(pickID(&pool), 1)
        release(&pool, 1)
        XCTAssertEqual(pickID(&pool), 2)
        release(&pool, 2)
        XCTAssertEqual(pickID(&pool), 3)
        release(&pool, 3)
        XCTAssertEqual(pickID(&pool), 1, "0 is full: the ring moves on to 1")
        XCTAssertEqual(pickID(&pool), 2)
        release(&pool, 0)
        XCTAssertEqual(pickID(&pool), 3)
        XCTAssertEqual(pickID(&pool), 0, "0 was released and its turn came")
        XCTAssertNil(pool.pick(now: 0))
    }

    // MARK: fifo

    func testFifoTakesTheFirstIdleWorker() {
        var pool = pool(.fifo)
        XCTAssertEqual(pickID(&pool), 0)
        release(&pool, 0)
        XCTAssertEqual(pickID(&pool), 0, "first idle again after release")
        release(&pool, 0)
        XCTAssertEqual(pickID(&pool), 0)
        XCTAssertEqual(pickID(&pool), 1)
        XCTAssertEqual(pickID(&pool), 2)
        release(&pool, 1)
        XCTAssertEqual(pickID(&pool), 1, "1 is the first idle one")
        XCTAssertEqual(pickID(&pool), 3)
        XCTAssertNil(pool.pick(now: 0))
        release(&pool, 2)
        XCTAssertEqual(pickID(&pool), 2)
    }

    // MARK: weighted

    func testWeightedBreaksTiesByLeastRecentlyPicked() {
        var pool = pool(.weighted)
        XCTAssertEqual(pickID(&pool), 0)
        release(&pool, 0)
        XCTAssertEqual(pickID(&pool), 1, "all idle and no durations yet: never-picked 1 beats just-picked 0")
        release(&pool, 1)
        XCTAssertEqual(pickID(&pool), 2)
        release(&pool, 2)
        XCTAssertEqual(pickID(&pool), 3)
        release(&pool, 3)
        XCTAssertEqual(pickID(&pool), 0, "equal durations: 0 is the least recently picked now")
    }

    /// Four idle workers; 0 and 1 just ran slow jobs (a heavy function, a contended CPU), 2 and
    /// 3 fast ones. Weighted sends the next jobs to the fast ones; round robin and fifo do not
    /// look at durations.
    func testWeightedPrefersRecentlyFastWorkersWhereRrAndFifoDoNot() {
        func afterWarmUp(_ strategy: Strategy) -> WorkerPool {
            var pool = self.pool(strategy)
            var now = 0.0
            // One job each: 0 and 1 take 2 s, 2 and 3 take 10 ms.
            for _ in 0..<4 { _ = pool.pick(now: now) }
            now += 0.01
            pool.done(id: 2, pid: pid(2), now: now)
            pool.done(id: 3, pid: pid(3), now: now)
            now += 2
            pool.done(id: 0, pid: pid(0), now: now)
            pool.done(id: 1, pid: pid(1), now: now)
            return pool
        }
        func nextPicks(_ strategy: Strategy) -> [Int] {
            var pool = afterWarmUp(strategy)
            var picks: [Int] = []
            var now = 10.0
            for _ in 0..<4 {
                guard let worker = pool.pick(now: now) else { return picks }
                picks.append(worker.id)
                now += 0.005
                pool.done(id: worker.id, pid: worker.pid, now: now)
            }
            return picks
        }
        let weighted = nextPicks(.weighted)
        XCTAssertEqual(weighted.count, 4)
        XCTAssertTrue(Set(weighted).isSubset(of: [2, 3]), "weighted: only the recently fast workers, got \(weighted)")
        XCTAssertEqual(nextPicks(.rr), [0, 1, 2, 3], "rr: the ring order")
        XCTAssertEqual(nextPicks(.fifo), [0, 0, 0, 0], "fifo: the first idle worker")
        // A slow worker is used when it is the only idle one.
        var pool = afterWarmUp(.weighted)
        XCTAssertEqual(pool.pick(now: 10)?.id, 2)
        XCTAssertEqual(pool.pick(now: 10)?.id, 3)
        XCTAssertEqual(pool.pick(now: 10)?.id, 0)
        XCTAssertEqual(pool.pick(now: 10)?.id, 1)
        XCTAssertNil(pool.pick(now: 10), "one job per worker")
    }

    func testRecentDurationIsAMovingAverage() {
        var pool = pool(.weighted, workers: 1)
        for took in [1.0, 1.0, 0.0] {
            _ = pool.pick(now: 100)
            pool.done(id: 0, pid: pid(0), now: 100 + took)
        }
        XCTAssertEqual(pool.workers[0].recentDuration ?? -1, 0.7, accuracy: 1e-9, "the last job weighs 0.3")
    }

    // MARK: all strategies

    func testAllBusyGivesNil() {
        for strategy in Strategy.allCases {
            var pool = pool(strategy, workers: 3)
            for _ in 0..<3 { XCTAssertNotNil(pool.pick(now: 0), "\(strategy)") }
            XCTAssertNil(pool.pick(now: 0), "\(strategy): every worker is busy (one job each)")
            XCTAssertEqual(pool.inFlight, 3)
            release(&pool, 1)
            XCTAssertEqual(pickID(&pool), 1, "\(strategy): the only idle one")
            XCTAssertNil(pool.pick(now: 0), "\(strategy)")
        }
    }

    // MARK: a second job queued behind the running one

    func testQueueBehindPicksTheOldestRunningJobOfThatFunctionOneDeep() {
        var pool = pool(.rr, workers: 3)
        _ = pool.pick(now: 1, for: "f", job: 1)
        _ = pool.pick(now: 0.5, for: "f", job: 2)
        _ = pool.pick(now: 0.2, for: "g", job: 3)
        XCTAssertFalse(pool.canQueueBehind("h", startedAfter: 0))
        XCTAssertEqual(pool.queueBehind(for: "f", job: 4, startedAfter: 0)?.id, 1, "f's job started first on worker 1")
        XCTAssertEqual(pool.queueBehind(for: "f", job: 5, startedAfter: 0)?.id, 0, "the one with fewer jobs")
        XCTAssertEqual(pool.queueBehind(for: "f", job: 6, startedAfter: 0)?.id, 1)
        XCTAssertEqual(pool.queueBehind(for: "f", job: 7, startedAfter: 0)?.id, 0)
        XCTAssertEqual(pool.queueBehind(for: "f", job: 8, startedAfter: 0)?.id, 1)
        XCTAssertEqual(pool.queueBehind(for: "f", job: 9, startedAfter: 0)?.id, 0)
        XCTAssertNil(pool.queueBehind(for: "f", job: 10, startedAfter: 0), "three deep at most, and never behind g")
        XCTAssertEqual(pool.workers.map { $0.jobs.map(\.id) }, [[1, 5, 7, 9], [2, 4, 6, 8], [3]])
        XCTAssertNil(pool.queueBehind(for: "g", job: 11, startedAfter: 0.3), "g's job started too long ago")
        XCTAssertNil(pool.pick(now: 2), "a worker with a job queued is not idle")
        XCTAssertEqual(pool.inFlight, 9)
    }

    func testDoneStartsTheQueuedJobAndAQueuedJobCanBeTakenBackUntimed() {
        var pool = pool(.rr, workers: 1)
        _ = pool.pick(now: 0, for: "f", job: 1)
        _ = pool.queueBehind(for: "f", job: 2, startedAfter: -1)
        pool.done(id: 0, pid: pid(0), job: 9, now: 1)   // an unknown job
        XCTAssertEqual(pool.workers[0].jobs.map(\.id), [1, 2])
        let first = pool.done(id: 0, pid: pid(0), job: 1, now: 1)
        XCTAssertEqual(first?.function, "f")
        XCTAssertEqual(first?.took ?? 0, 1, accuracy: 1e-9)
        XCTAssertEqual(pool.workers[0].jobs.map(\.id), [2])
        XCTAssertEqual(pool.workers[0].startedAt, 1, "job 2 started when job 1 ended")
        _ = pool.queueBehind(for: "f", job: 3, startedAfter: 0)
        XCTAssertNil(pool.done(id: 0, pid: pid(0), job: 3, now: 1.5), "job 3 never ran: not timed")
        XCTAssertEqual(pool.workers[0].jobs.map(\.id), [2])
        XCTAssertEqual(pool.done(id: 0, pid: pid(0), job: 2, now: 3)?.took ?? 0, 2, accuracy: 1e-9)
        XCTAssertTrue(pool.hasIdle)
    }

    func testEmptyPoolGivesNil() {
        for strategy in Strategy.allCases {
            var pool = WorkerPool(strategy: strategy)
            XCTAssertTrue(pool.isEmpty)
            XCTAssertNil(pool.pick(now: 0))
        }
    }

    func testDoneWithStalePidIsIgnored() {
        for strategy in Strategy.allCases {
            var pool = pool(strategy, workers: 1)
            XCTAssertEqual(pickID(&pool), 0)
            pool.done(id: 0, pid: 4242, now: 0)   // a message about a replaced process
            XCTAssertEqual(pool.workers[0].inFlight, 1, "\(strategy)")
            XCTAssertNil(pool.pick(now: 0), "\(strategy): still busy")
            pool.done(id: 7, pid: pid(7), now: 0)   // an unknown worker
            XCTAssertEqual(pool.inFlight, 1)
            release(&pool, 0)
            XCTAssertEqual(pool.workers[0].inFlight, 0)
            release(&pool, 0)   // a duplicate done never goes negative
            XCTAssertEqual(pool.workers[0].inFlight, 0)
        }
    }

    func testReRegisterWithNewPidResetsInFlight() {
        var pool = pool(.rr, workers: 2)
        XCTAssertEqual(pickID(&pool), 0)
        XCTAssertEqual(pickID(&pool), 1)
        XCTAssertNil(pool.pick(now: 0))
        pool.register(id: 0, pid: 2000)   // worker 0 was restarted
        XCTAssertEqual(pool.workers.count, 2)
        XCTAssertEqual(pool.workers[0].pid, 2000)
        XCTAssertEqual(pool.workers[0].inFlight, 0)
        let picked = pool.pick(now: 0)
        XCTAssertEqual(picked?.id, 0)
        XCTAssertEqual(picked?.pid, 2000)
        pool.done(id: 0, pid: pid(0), now: 0)   // the old process's done is stale now
        XCTAssertEqual(pool.workers[0].inFlight, 1)
        pool.done(id: 0, pid: 2000, now: 0)
        XCTAssertEqual(pool.workers[0].inFlight, 0)
    }

    func testReRegisterWithSamePidKeepsInFlight() {
        var pool = pool(.fifo, workers: 1)
        XCTAssertEqual(pickID(&pool), 0)
        pool.register(id: 0, pid: pid(0))
        XCTAssertEqual(pool.workers[0].inFlight, 1)
        XCTAssertEqual(pool.workers.count, 1)
    }

    func testUnregister() {
        var pool = pool(.rr)
        pool.unregister(id: 1, pid: 9999)   // wrong pid: not that process
        XCTAssertEqual(pool.workers.map(\.id), [0, 1, 2, 3])
        pool.unregister(id: 1, pid: pid(1))
        XCTAssertEqual(pool.workers.map(\.id), [0, 2, 3])
        var order: [Int] = []
        for _ in 0..<6 {
            guard let id = pickID(&pool) else { return XCTFail("a worker is free") }
            order.append(id)
            release(&pool, id)
        }
        XCTAssertEqual(order, [0, 2, 3, 0, 2, 3])
        pool.unregister(id: 3, pid: pid(3))
        pool.unregister(id: 0, pid: pid(0))
        pool.unregister(id: 2, pid: pid(2))
        XCTAssertTrue(pool.isEmpty)
        XCTAssertNil(pool.pick(now: 0))
        pool.register(id: 5, pid: pid(5))
        XCTAssertEqual(pickID(&pool), 5)
    }

    func testRegistrationOrderDoesNotMatter() {
        var pool = WorkerPool(strategy: .fifo)
        for id in [3, 1, 2, 0] { pool.register(id: id, pid: pid(id)) }
        XCTAssertEqual(pool.workers.map(\.id), [0, 1, 2, 3])
        XCTAssertEqual(pickID(&pool), 0)
        XCTAssertEqual(pickID(&pool), 1)
    }
}
