import Foundation
import XCTest
@testable import FaaSSystem

/// Work done on another thread comes back to the loop's thread, in order, and wakes it.
final class LoopCompletionQueueTests: XCTestCase {
    func testCompletionsRunOnTheLoopThreadInOrder() throws {
        let loop = try EventLoop()
        let queue = try LoopCompletionQueue(loop: loop)
        let worker = SerialWorkThread(name: "test-work", completions: queue)
        XCTAssertEqual(worker.sync { 42 }, 42, "sync waits for the thread's answer")
        var results: [Int] = []
        var threads: Set<Bool> = []
        for index in 0..<100 {
            worker.submit({ index * 2 }) { value in
                threads.insert(Thread.isMainThread)
                results.append(value)
                if results.count == 100 { loop.stop() }
            }
        }
        // A safety stop: the loop must be woken by the eventfd, not by this timer.
        loop.schedule(after: 10) { loop.stop() }
        try loop.run()
        worker.stop()
        XCTAssertEqual(results, (0..<100).map { $0 * 2 })
        XCTAssertEqual(threads, [Thread.isMainThread], "every completion ran on the loop's thread")
    }
}
