import XCTest

@testable import FaaSSystem

final class TimerQueueTests: XCTestCase {
    final class Fired {
        var order: [String] = []
    }

    private func runExpired(_ timers: inout TimerQueue, now: Double) -> Int {
        var count = 0
        while let body = timers.popExpired(now: now) {
            body()
            count += 1
        }
        return count
    }

    func testFiresInDeadlineOrder() {
        var timers = TimerQueue()
        let fired = Fired()
        for (deadline, name) in [(5.0, "e"), (1.0, "a"), (3.0, "c"), (2.0, "b"), (4.0, "d")] {
            _ = timers.add(deadline: deadline) { fired.order.append(name) }
        }
        XCTAssertEqual(timers.nextDeadline(), 1.0)
        XCTAssertEqual(runExpired(&timers, now: 0.5), 0, "nothing due yet")
        XCTAssertEqual(runExpired(&timers, now: 3.0), 3, "deadline equal to now is due")
        XCTAssertEqual(fired.order, ["a", "b", "c"])
        XCTAssertEqual(timers.nextDeadline(), 4.0)
        XCTAssertEqual(runExpired(&timers, now: 100), 2)
        XCTAssertEqual(fired.order, ["a", "b", "c", "d", "e"])
        XCTAssertNil(timers.nextDeadline())
    }

    func testCancelledTimersNeverFire() {
        var timers = TimerQueue()
        let fired = Fired()
        let a = timers.add(deadline: 1) { fired.order.append("a") }
        _ = timers.add(deadline: 2) { fired.order.append("b") }
        let c = timers.add(deadline: 3) { fired.order.append("c") }
        timers.cancel(a)
        timers.cancel(c)
        XCTAssertEqual(timers.nextDeadline(), 2, "a cancelled head is skipped")
        XCTAssertEqual(runExpired(&timers, now: 10), 1)
        XCTAssertEqual(fired.order, ["b"])
        XCTAssertNil(timers.nextDeadline())
        timers.cancel(a)   // cancelling twice is harmless
    }

    func testCallbackMayAddTimers() {
        var timers = TimerQueue()
        let fired = Fired()
        _ = timers.add(deadline: 1) { fired.order.append("first") }
        guard let body = timers.popExpired(now: 1) else { return XCTFail("due") }
        body()
        _ = timers.add(deadline: 0.5) { fired.order.append("late-added") }
        XCTAssertEqual(runExpired(&timers, now: 1), 1)
        XCTAssertEqual(fired.order, ["first", "late-added"])
    }

    func testManyRandomTimers() {
        var timers = TimerQueue()
        let fired = Fired()
        var generator = SystemRandomNumberGenerator()
        var deadlines: [Double] = []
        for index in 0..<2_000 {
            let deadline = Double(Int.random(in: 0..<10_000, using: &generator))
            deadlines.append(deadline)
            let id = timers.add(deadline: deadline) { fired.order.append(String(deadline)) }
            if index % 3 == 0 { timers.cancel(id); deadlines.removeLast() }
        }
        XCTAssertEqual(runExpired(&timers, now: 1e9), deadlines.count)
        XCTAssertEqual(fired.order.map { Double($0)! }, deadlines.sorted())
    }
}
