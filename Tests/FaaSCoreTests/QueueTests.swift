import XCTest

@testable import FaaSCore

final class BoundedQueueTests: XCTestCase {
    func testFIFOOrderAndCapacity() {
        var queue = BoundedQueue<Int>(capacity: 3)
        XCTAssertTrue(queue.isEmpty)
        XCTAssertNil(queue.first)
        XCTAssertNil(queue.popFirst())
        XCTAssertTrue(queue.append(1))
        XCTAssertTrue(queue.append(2))
        XCTAssertTrue(queue.append(3))
        XCTAssertFalse(queue.append(4), "full: refused")
        XCTAssertEqual(queue.count, 3)
        XCTAssertEqual(queue.first, 1)
        XCTAssertEqual(queue.popFirst(), 1)
        XCTAssertTrue(queue.append(5), "room again after a pop")
        XCTAssertEqual([queue.popFirst(), queue.popFirst(), queue.popFirst()], [2, 3, 5])
        XCTAssertNil(queue.popFirst())
        XCTAssertTrue(queue.isEmpty)
    }

    func testManyCyclesKeepOrder() {
        var queue = BoundedQueue<Int>(capacity: 100)
        var next = 0
        var expected = 0
        for round in 0..<5_000 {
            for _ in 0..<(round % 7) where queue.append(next) { next += 1 }
            for _ in 0..<(round % 5) {
                guard let value = queue.popFirst() else { break }
                XCTAssertEqual(value, expected)
                expected += 1
            }
            XCTAssertLessThanOrEqual(queue.count, 100)
        }
        while let value = queue.popFirst() {
            XCTAssertEqual(value, expected)
            expected += 1
        }
        XCTAssertEqual(expected, next)
    }

    func testRemoveAllReturnsTheRestInOrder() {
        var queue = BoundedQueue<String>(capacity: 4)
        for s in ["a", "b", "c"] { XCTAssertTrue(queue.append(s)) }
        XCTAssertEqual(queue.popFirst(), "a")
        XCTAssertEqual(queue.removeAll(), ["b", "c"])
        XCTAssertTrue(queue.isEmpty)
        for s in ["w", "x", "y", "z"] { XCTAssertTrue(queue.append(s)) }
        XCTAssertFalse(queue.append("overflow"))
    }
}

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
