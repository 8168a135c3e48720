import XCTest

@testable import FaaSServer

final class WorkerScalerTests: XCTestCase {
    private let scaler = WorkerScaler(policy: WorkerScaler.Policy(minimum: 4, maximum: 16, upAfter: 0.1, idleRetire: 5))

    private func state(alive: Int = 4, starting: Int = 0, busy: Int = 0, waiting: Int = 0, oldestWait: Double? = nil,
                       idle: [(id: Int, since: Double)] = []) -> WorkerScaler.Snapshot {
        WorkerScaler.Snapshot(alive: alive, starting: starting, busy: busy, waiting: waiting, oldestWait: oldestWait, idle: idle)
    }

    func testCallsWaitingTooLongAddWorkersInSteps() {
        XCTAssertEqual(scaler.decide(state(busy: 2, waiting: 10, oldestWait: 0.05), now: 0), .hold, "not waited long enough")
        XCTAssertEqual(scaler.decide(state(busy: 2, waiting: 10, oldestWait: 0.2), now: 0), .add(4), "at most four at a time")
        XCTAssertEqual(scaler.decide(state(busy: 2, waiting: 2, oldestWait: 0.2), now: 0), .add(2), "as many as calls wait")
        XCTAssertEqual(scaler.decide(state(alive: 8, starting: 4, busy: 2, waiting: 3, oldestWait: 0.3), now: 0), .hold,
                       "workers still starting count as added")
        XCTAssertEqual(scaler.decide(state(alive: 15, busy: 15, waiting: 30, oldestWait: 1), now: 0), .add(1), "up to the maximum")
        XCTAssertEqual(scaler.decide(state(alive: 16, busy: 16, waiting: 30, oldestWait: 1), now: 0), .hold)
    }

    func testEveryWorkerBusyAddsOne() {
        XCTAssertEqual(scaler.decide(state(busy: 4), now: 0), .add(1))
        XCTAssertEqual(scaler.decide(state(busy: 3), now: 0), .hold)
    }

    func testIdleWorkersBeyondTheMinimumRetireAfterAQuietPeriod() {
        let idle = [(id: 4, since: 10.0), (id: 5, since: 8.0), (id: 6, since: 12.0)]
        XCTAssertEqual(scaler.decide(state(alive: 7, idle: idle), now: 12.9), .hold, "quiet for less than 5 s")
        XCTAssertEqual(scaler.decide(state(alive: 7, idle: idle), now: 13), .retire(id: 5), "the one idle longest")
        XCTAssertEqual(scaler.decide(state(alive: 4, idle: idle), now: 100), .hold, "never below the minimum")
        XCTAssertEqual(scaler.decide(state(alive: 7, waiting: 1, oldestWait: 0.01, idle: idle), now: 100), .hold, "not while calls wait")
        XCTAssertEqual(scaler.decide(state(alive: 7, starting: 1, idle: idle), now: 100), .hold, "not while scaling up")
    }

    func testDefaultMaximumFollowsTheCPUs() {
        XCTAssertEqual(WorkerScaler.defaultMaximum(minimum: 4, cpus: 2), 8)
        XCTAssertEqual(WorkerScaler.defaultMaximum(minimum: 4, cpus: 0.5), 4, "never below the minimum")
        XCTAssertEqual(WorkerScaler.defaultMaximum(minimum: 1, cpus: 1.5), 6)
        XCTAssertEqual(CPUBudget.quota("150000 100000"), 1.5)
        XCTAssertNil(CPUBudget.quota("max 100000"))
        XCTAssertNil(CPUBudget.quota("garbage"))
    }
}
