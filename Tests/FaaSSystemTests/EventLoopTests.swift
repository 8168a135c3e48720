import XCTest
import Glibc
@testable import FaaSSystem

final class EventLoopTests: XCTestCase {
    func testTimersFireInDeadlineOrderAndCancelledOnesNever() throws {
        let loop = try EventLoop()
        var fired: [String] = []
        loop.schedule(after: 0.05) { fired.append("late") }
        loop.schedule(after: 0.01) { fired.append("early") }
        let cancelled = loop.schedule(after: 0.02) { fired.append("cancelled") }
        loop.cancel(cancelled)
        loop.schedule(after: 0.08) { loop.stop() }
        try runLoop(loop)
        XCTAssertEqual(fired, ["early", "late"])
    }

    func testExecuteRunsAfterTheCurrentHandler() throws {
        let loop = try EventLoop()
        var order: [Int] = []
        loop.schedule(after: 0) {
            loop.execute { order.append(2); loop.stop() }
            order.append(1)
        }
        try runLoop(loop)
        XCTAssertEqual(order, [1, 2])
    }

    func testReadableDescriptorWakesItsHandler() throws {
        let loop = try EventLoop()
        let (read, write) = try FileDescriptor.pipe()
        defer { read.close(); write.close() }
        var received: [UInt8] = []
        try loop.register(read, .readable) { readiness in
            XCTAssertTrue(readiness.readable)
            var buffer = [UInt8](repeating: 0, count: 16)
            let n = buffer.withUnsafeMutableBytes { Glibc.read(read.rawValue, $0.baseAddress, $0.count) }
            received += buffer[0..<max(n, 0)]
            loop.unregister(read)
            loop.stop()
        }
        loop.schedule(after: 0.01) { _ = Glibc.write(write.rawValue, "hi", 2) }
        try runLoop(loop)
        XCTAssertEqual(received, Array("hi".utf8))
    }

    func testSignalsArriveThroughTheLoop() throws {
        let loop = try EventLoop()
        var seen: [Int32] = []
        try loop.onSignals([SIGUSR1]) { seen.append($0) }
        try loop.onSignals([SIGUSR2]) { signal in
            seen.append(signal)
            loop.stop()
        }
        // To this thread (the one that blocks them): a process-directed signal could go to
        // another thread of the test runner, where it is not blocked and would end the process.
        loop.schedule(after: 0.01) {
            raise(SIGUSR1)
            raise(SIGUSR2)
        }
        try runLoop(loop)
        XCTAssertEqual(Set(seen), [SIGUSR1, SIGUSR2], "a second onSignals adds to the first")
    }

    func testBlockingWorkRunsOffTheLoopAndCompletesOnIt() throws {
        let loop = try EventLoop()
        let loopThread = pthread_self()
        var results: [Int] = []
        var workThreadWasLoop = true
        for value in 1...3 {
            loop.runBlocking({ () -> (Int, Bool) in
                usleep(20_000) // stands for an fsync on a slow disk
                return (value * 10, pthread_equal(pthread_self(), loopThread) != 0)
            }, then: { result in
                XCTAssertNotEqual(pthread_equal(pthread_self(), loopThread), 0, "completions run on the loop's thread")
                results.append(result.0)
                workThreadWasLoop = result.1
                if results.count == 3 { loop.stop() }
            })
        }
        var ticks = 0
        // The loop keeps turning while the work blocks.
        func tick() { ticks += 1; loop.schedule(after: 0.005) { tick() } }
        tick()
        try runLoop(loop)
        XCTAssertEqual(results, [10, 20, 30], "in submission order")
        XCTAssertFalse(workThreadWasLoop)
        XCTAssertGreaterThan(ticks, 3)
    }

    /// One mechanism: `runBlocking`'s thread and a daemon's own `SerialWorkThread` report
    /// through the same `LoopCompletionQueue`, the loop's, and both complete on its thread.
    func testBlockingWorkAndOwnThreadsShareTheLoopsCompletionQueue() throws {
        let loop = try EventLoop()
        let queue = try loop.completions()
        XCTAssertTrue(queue === (try loop.completions()), "one queue per loop")
        let own = SerialWorkThread(name: "test-own", completions: queue)
        let loopThread = pthread_self()
        var done: [String] = []
        func finished(_ name: String) {
            XCTAssertNotEqual(pthread_equal(pthread_self(), loopThread), 0, "\(name) completes on the loop's thread")
            done.append(name)
            if done.count == 2 { loop.stop() }
        }
        loop.runBlocking({ pthread_equal(pthread_self(), loopThread) != 0 }, then: { onLoop in
            XCTAssertFalse(onLoop, "runBlocking's work runs off the loop")
            finished("runBlocking")
        })
        own.submit({ pthread_equal(pthread_self(), loopThread) != 0 }, completion: { onLoop in
            XCTAssertFalse(onLoop, "a SerialWorkThread's work runs off the loop")
            finished("own thread")
        })
        try runLoop(loop)
        own.stop()
        XCTAssertEqual(Set(done), ["runBlocking", "own thread"])
    }
}
