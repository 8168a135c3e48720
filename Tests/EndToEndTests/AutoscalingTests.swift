import Foundation
import XCTest

/// Workers follow demand: a burst of sleeping calls gets more workers than the minimum, and the
/// pool shrinks back to the minimum once it is quiet.
final class AutoscalingTests: SuiteTestCase {
    override class var suiteOptions: FaaSSuite.Options {
        var options = FaaSSuite.Options()
        options.workers = 4
        options.environment = ["FAAS_MAX_WORKERS": "16", "FAAS_SCALE_DOWN_IDLE": "1.5"]
        return options
    }

    /// Polls the number of worker processes until stopped; keeps the largest seen.
    private final class PeakWatch: @unchecked Sendable {
        private let lock = NSLock()
        private var peak = 0
        private var running = true

        func start(_ count: @escaping @Sendable () -> Int) {
            Thread.detachNewThread {
                while self.isRunning {
                    let seen = count()
                    self.lock.lock()
                    self.peak = max(self.peak, seen)
                    self.lock.unlock()
                    usleep(50_000)
                }
            }
        }

        var isRunning: Bool {
            lock.lock()
            defer { lock.unlock() }
            return running
        }

        func stop() -> Int {
            lock.lock()
            defer { lock.unlock() }
            running = false
            return peak
        }
    }

    func testBurstOfSleepingCallsScalesUpThenBackToTheMinimum() throws {
        let suite = try suite
        let sleeper = try suite.deployOK(uniqueName("sleeper"), "python", source: "import time\ntime.sleep(0.5)\nprint('slept')\n",
                                         query: "&concurrency=16&timeout=20")
        XCTAssertEqual(try suite.invokeText(sleeper, ""), "slept\n", "warm")
        XCTAssertEqual(suite.workerPIDs().count, 4)
        let watch = PeakWatch()
        watch.start { suite.workerPIDs().count }
        let started = Date()
        let requests = (0..<32).map { _ in (method: "POST", path: "/invoke?fn=\(sleeper)", body: Data()) }
        let answers = HTTP.concurrent(port: suite.port, requests, timeout: 60)
        let elapsed = Date().timeIntervalSince(started)
        let peak = watch.stop()
        XCTAssertEqual(answers.compactMap { try? $0.get().status }, Array(repeating: 200, count: 32), "every call answered")
        print("[autoscaling] 32 x 0.5 s calls in \(String(format: "%.2f", elapsed)) s, peak \(peak) workers")
        XCTAssertGreaterThan(peak, 4, "workers were added")
        XCTAssertLessThanOrEqual(peak, 16, "never beyond the maximum")
        XCTAssertLessThan(elapsed, 3.5, "well under the 4 s a fixed pool of four takes")
        let metrics = try suite.request("GET", "/metrics").text
        XCTAssertTrue(metrics.contains("faas_workers{state=\"busy\"}"), metrics)
        // Quiet: back to the minimum, and the retired workers are gone from the load balancer.
        try suite.waitFor("the pool back to four workers", timeout: 30) { suite.workerPIDs().count == 4 }
        let log = (try? String(contentsOfFile: suite.logPath("server"), encoding: .utf8)) ?? ""
        XCTAssertTrue(log.contains("scaling up"), "logged")
        XCTAssertTrue(log.contains("worker retired"), "logged")
        let warnings = log.split(separator: "\n").filter { $0.contains(" warn ") && $0.contains("worker exited") }
        XCTAssertTrue(warnings.isEmpty, "a retired worker is not reported as a crash: \(warnings)")
        for index in 0..<6 { XCTAssertEqual(try suite.invokeText(sleeper, "\(index)"), "slept\n", "after scaling down") }
    }
}
