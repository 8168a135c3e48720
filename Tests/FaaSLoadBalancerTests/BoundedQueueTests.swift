import XCTest

@testable import FaaSLoadBalancer

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
