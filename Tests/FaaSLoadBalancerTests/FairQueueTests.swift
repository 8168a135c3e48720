import XCTest

@testable import FaaSLoadBalancer

final class FairQueueTests: XCTestCase {
    func testRoundRobinAcrossFunctionsNotOneFIFO() {
        var queue = FairQueue<Int>(capacity: 100)
        for index in 0..<5 { XCTAssertTrue(queue.append(index, for: "long")) }
        XCTAssertTrue(queue.append(100, for: "hello"))
        XCTAssertTrue(queue.append(200, for: "other"))
        var order: [Int] = []
        while let next = queue.popNext(where: { _, _ in true }) { order.append(next.element) }
        // One FIFO would serve all five "long" calls first.
        XCTAssertEqual(order, [0, 100, 200, 1, 2, 3, 4])
        XCTAssertTrue(queue.isEmpty)
    }

    func testIneligibleFunctionKeepsItsCallsAndOrder() {
        var queue = FairQueue<Int>(capacity: 10)
        _ = queue.append(1, for: "a")
        _ = queue.append(2, for: "a")
        _ = queue.append(3, for: "b")
        XCTAssertEqual(queue.popNext(where: { key, _ in key != "a" })?.element, 3)
        XCTAssertNil(queue.popNext(where: { key, _ in key != "a" }), "a at its limit: nothing else to give")
        XCTAssertEqual(queue.waiting("a"), 2)
        XCTAssertEqual(queue.popNext(where: { _, _ in true })?.element, 1)
        XCTAssertEqual(queue.popNext(where: { _, _ in true })?.element, 2)
    }

    func testCapacityIsTotalAcrossFunctions() {
        var queue = FairQueue<Int>(capacity: 3)
        XCTAssertTrue(queue.append(1, for: "a"))
        XCTAssertTrue(queue.append(2, for: "b"))
        XCTAssertTrue(queue.append(3, for: "c"))
        XCTAssertFalse(queue.append(4, for: "d"))
        XCTAssertEqual(queue.count, 3)
    }

    func testRemoveWhereKeepsTheRest() {
        var queue = FairQueue<Int>(capacity: 10)
        for value in 1...6 { _ = queue.append(value, for: value % 2 == 0 ? "even" : "odd") }
        XCTAssertEqual(queue.removeAll { $0 > 4 }.sorted(), [5, 6])
        XCTAssertEqual(queue.count, 4)
        var rest: [Int] = []
        while let next = queue.popNext(where: { _, _ in true }) { rest.append(next.element) }
        XCTAssertEqual(rest.sorted(), [1, 2, 3, 4])
        XCTAssertEqual(queue.removeAll(), [])
    }
}
