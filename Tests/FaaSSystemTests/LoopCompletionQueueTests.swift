import Foundation
import Glibc
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

    /// Signals go to the loop's signalfd only: a work thread that took SIGCHLD would lose it
    /// (deploys never reaped their compiler), one that took SIGTERM would kill the daemon.
    func testWorkThreadBlocksEverySignal() throws {
        let loop = try EventLoop()
        let queue = try LoopCompletionQueue(loop: loop)
        var none = sigset_t()
        sigemptyset(&none)
        var saved = sigset_t()
        pthread_sigmask(SIG_SETMASK, &none, &saved)
        defer { pthread_sigmask(SIG_SETMASK, &saved, nil) }
        let worker = SerialWorkThread(name: "test-signals", completions: queue)
        let blocked: [Int32] = worker.sync {
            var mask = sigset_t()
            pthread_sigmask(SIG_BLOCK, nil, &mask)
            return [SIGCHLD, SIGTERM, SIGINT, SIGHUP].filter { sigismember(&mask, $0) == 1 }
        }
        worker.stop()
        XCTAssertEqual(blocked, [SIGCHLD, SIGTERM, SIGINT, SIGHUP])
    }
}
