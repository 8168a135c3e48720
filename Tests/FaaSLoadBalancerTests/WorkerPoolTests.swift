import XCTest

import FaaSLoadBalancer

final class WorkerPoolTests: XCTestCase {
    /// Workers 0...count-1 with pids 1000, 1001, ...
    private func pool(_ strategy: Strategy, workers count: Int = 4, capacity: Int = 1) -> WorkerPool {
        var pool = WorkerPool(strategy: strategy, capacity: capacity)
        for id in 0..<count { pool.register(id: id, pid: pid(id)) }
        return pool
    }

    private func pid(_ id: Int) -> Int32 { Int32(1000 + id) }

    private func pickID(_ pool: inout WorkerPool, file: StaticString = #filePath, line: UInt = #line) -> Int? {
        guard let worker = pool.pick() else { return nil }
        XCTAssertEqual(worker.pid, pid(worker.id), "the pick carries the registered pid", file: file, line: line)
        return worker.id
    }

    private func release(_ pool: inout WorkerPool, _ id: Int) { pool.done(id: id, pid: pid(id)) }

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
        XCTAssertNil(pool.pick())
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
        XCTAssertNil(pool.pick())
        release(&pool, 2)
        XCTAssertEqual(pickID(&pool), 2)
    }

    func testFifoPrefersIdleOverPartlyBusy() {
        var pool = pool(.fifo, workers: 3, capacity: 2)
        XCTAssertEqual(pickID(&pool), 0)
        XCTAssertEqual(pickID(&pool), 1, "an idle worker beats a busy one with room")
        XCTAssertEqual(pickID(&pool), 2)
        XCTAssertEqual(pickID(&pool), 0, "no idle worker: the first with room")
        XCTAssertEqual(pickID(&pool), 1)
        XCTAssertEqual(pickID(&pool), 2)
        XCTAssertNil(pool.pick())
    }

    // MARK: weighted

    func testWeightedPicksLeastInFlight() {
        var pool = pool(.weighted, workers: 3, capacity: 3)
        XCTAssertEqual(pickID(&pool), 0)
        XCTAssertEqual(pickID(&pool), 1)
        XCTAssertEqual(pickID(&pool), 2)
        XCTAssertEqual(pickID(&pool), 0)   // all at 1: 0 was picked longest ago
        XCTAssertEqual(pickID(&pool), 1)
        release(&pool, 0)
        release(&pool, 0)
        // In flight now: 0 -> 0, 1 -> 2, 2 -> 1.
        XCTAssertEqual(pickID(&pool), 0)
        XCTAssertEqual(pickID(&pool), 2, "2 holds 1 job, 0 now holds 1 too but was picked more recently")
        XCTAssertEqual(pool.workers.map(\.inFlight), [1, 2, 2])
    }

    func testWeightedBreaksTiesByLeastRecentlyPicked() {
        var pool = pool(.weighted)
        XCTAssertEqual(pickID(&pool), 0)
        release(&pool, 0)
        XCTAssertEqual(pickID(&pool), 1, "all idle: never-picked 1 beats just-picked 0")
        release(&pool, 1)
        XCTAssertEqual(pickID(&pool), 2)
        release(&pool, 2)
        XCTAssertEqual(pickID(&pool), 3)
        release(&pool, 3)
        XCTAssertEqual(pickID(&pool), 0, "0 is the least recently picked now")
        XCTAssertEqual(pickID(&pool), 1)
        release(&pool, 0)
        XCTAssertEqual(pickID(&pool), 2, "2 idle since before 0's last pick")
    }

    func testWeightedSpreadsUnderLoad() {
        var pool = pool(.weighted, workers: 4, capacity: 8)
        for _ in 0..<20 { _ = pool.pick() }
        XCTAssertEqual(pool.workers.map(\.inFlight), [5, 5, 5, 5])
    }

    // MARK: all strategies

    func testAllFullGivesNil() {
        for strategy in Strategy.allCases {
            var pool = pool(strategy, workers: 3, capacity: 2)
            for _ in 0..<6 { XCTAssertNotNil(pool.pick(), "\(strategy)") }
            XCTAssertNil(pool.pick(), "\(strategy): every worker is full")
            XCTAssertEqual(pool.inFlight, 6)
            release(&pool, 1)
            XCTAssertEqual(pickID(&pool), 1, "\(strategy): the only one with room")
            XCTAssertNil(pool.pick(), "\(strategy)")
        }
    }

    func testEmptyPoolGivesNil() {
        for strategy in Strategy.allCases {
            var pool = WorkerPool(strategy: strategy)
            XCTAssertTrue(pool.isEmpty)
            XCTAssertNil(pool.pick())
        }
    }

    func testDoneWithStalePidIsIgnored() {
        for strategy in Strategy.allCases {
            var pool = pool(strategy, workers: 1)
            XCTAssertEqual(pickID(&pool), 0)
            pool.done(id: 0, pid: 4242)   // a message about a replaced process
            XCTAssertEqual(pool.workers[0].inFlight, 1, "\(strategy)")
            XCTAssertNil(pool.pick(), "\(strategy): still busy")
            pool.done(id: 7, pid: pid(7))   // an unknown worker
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
        XCTAssertNil(pool.pick())
        pool.register(id: 0, pid: 2000)   // worker 0 was restarted
        XCTAssertEqual(pool.workers.count, 2)
        XCTAssertEqual(pool.workers[0].pid, 2000)
        XCTAssertEqual(pool.workers[0].inFlight, 0)
        let picked = pool.pick()
        XCTAssertEqual(picked?.id, 0)
        XCTAssertEqual(picked?.pid, 2000)
        pool.done(id: 0, pid: pid(0))   // the old process's done is stale now
        XCTAssertEqual(pool.workers[0].inFlight, 1)
        pool.done(id: 0, pid: 2000)
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
        XCTAssertNil(pool.pick())
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
