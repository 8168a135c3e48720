import Foundation
import Glibc
import XCTest

/// Calls of a short function queue at a worker already running one of its calls (the load
/// balancer's `--burst-below` rule). A call queued there has not run: if the worker dies first,
/// the call goes to another worker instead of failing with the one that was running.
final class QueuedCallTests: SuiteTestCase {
    override class var suiteOptions: FaaSSuite.Options {
        var options = FaaSSuite.Options()
        // One worker, and calls up to 10 s count as short: the calls below are sure to be
        // queued at the worker behind the first, not kept by the load balancer.
        options.workers = 1
        options.environment = ["FAAS_BURST_BELOW": "10"]
        return options
    }

    private final class Answer: @unchecked Sendable {
        var result: HTTPResult?
        let done = DispatchSemaphore(value: 0)
    }

    private func call(_ suite: FaaSSuite, _ function: String, _ payload: String) -> Answer {
        let answer = Answer()
        Thread.detachNewThread {
            answer.result = try? suite.invoke(function, payload, timeout: 60)
            answer.done.signal()
        }
        return answer
    }

    func testACallQueuedAtAWorkerThatDiesRunsOnTheNextOne() throws {
        let suite = try suite
        let source = "import time\n\ndef handler(payload):\n    if payload == 'slow':\n        time.sleep(4)\n    return 'ran ' + payload\n"
        let function = try suite.deployOK(uniqueName("moody"), "python", source: source, query: "&mode=handler&timeout=30")
        // Recent calls short: the load balancer may queue the next ones at the worker.
        for n in 0..<5 { XCTAssertEqual(try suite.invokeText(function, "warm\(n)"), "ran warm\(n)") }

        let slow = call(suite, function, "slow")
        try suite.waitFor("the slow call running", timeout: 10) { FaaSSuite.workerRunning(function: function) != nil }
        let worker = try XCTUnwrap(FaaSSuite.workerRunning(function: function))
        // Three calls queue behind it, the most a worker takes.
        let queued = (1...3).map { call(suite, function, "after\($0)") }
        usleep(500_000)
        XCTAssertEqual(kill(worker, SIGKILL), 0)

        XCTAssertEqual(slow.done.wait(timeout: .now() + 30), .success)
        XCTAssertEqual(slow.result?.status, 500, "the running call died with its worker: \(String(describing: slow.result))")
        var outputs: Set<String> = []
        for waiting in queued {
            XCTAssertEqual(waiting.done.wait(timeout: .now() + 30), .success)
            let answer = try XCTUnwrap(waiting.result)
            XCTAssertEqual(answer.status, 200, "a queued call was never run: it goes to the new worker. \(answer)")
            if let output = (try? answer.json())?["output"] as? String { outputs.insert(output) }
        }
        XCTAssertEqual(outputs, ["ran after1", "ran after2", "ran after3"])
    }
}
