import Foundation
import Glibc
import XCTest

/// Fair scheduling: long calls of one function leave workers for the others (by default a
/// function may use half the pool), and the other functions' calls are answered at once.
final class FairnessTests: SuiteTestCase {
    override class var suiteOptions: FaaSSuite.Options {
        var options = FaaSSuite.Options()
        options.workers = 4
        return options
    }

    /// Starts `count` long calls on their own threads; returns when each was sent, with the
    /// times they finished (filled in as they do).
    private final class LongCalls: @unchecked Sendable {
        private let lock = NSLock()
        private(set) var finished: [(status: Int, at: Date)] = []
        let group = DispatchGroup()

        func record(_ status: Int) {
            lock.lock()
            finished.append((status, Date()))
            lock.unlock()
        }

        var snapshot: [(status: Int, at: Date)] {
            lock.lock()
            defer { lock.unlock() }
            return finished
        }
    }

    private func startLongCalls(_ suite: FaaSSuite, _ function: String, count: Int) -> LongCalls {
        let calls = LongCalls()
        for index in 0..<count {
            calls.group.enter()
            Thread.detachNewThread {
                let status = (try? suite.invoke(function, "long\(index)", timeout: 120).status) ?? -1
                calls.record(status)
                calls.group.leave()
            }
        }
        return calls
    }

    private func checkHelloAnswersWhile(longCalls count: Int) throws {
        let suite = try suite
        let long = try suite.deployOK(uniqueName("long"), "python", source: "import time\ntime.sleep(3)\nprint('long done')\n", query: "&timeout=60")
        let hello = try suite.deployOK(uniqueName("hello"), "python", source: "print('hello')\n")
        XCTAssertEqual(try suite.invokeText(hello, ""), "hello\n", "warm")
        let calls = startLongCalls(suite, long, count: count)
        // Let the long calls reach their workers (two run, the rest wait).
        try suite.waitFor("long calls running", timeout: 10) { FaaSSuite.workerRunning(function: long) != nil }
        usleep(300_000)
        let started = Date()
        let answer = try suite.invoke(hello, "", timeout: 30)
        let helloDone = Date()
        XCTAssertEqual(answer.status, 200, "\(answer)")
        XCTAssertEqual((try? answer.json())?["output"] as? String, "hello\n")
        XCTAssertTrue(calls.snapshot.isEmpty, "the hello (\(helloDone.timeIntervalSince(started)) s) was answered only after a long call finished")
        XCTAssertEqual(calls.group.wait(timeout: .now() + 90), .success, "the long calls finish")
        let finished = calls.snapshot
        XCTAssertEqual(finished.map(\.status), Array(repeating: 200, count: count), "every long call answered")
        XCTAssertTrue(finished.allSatisfy { $0.at > helloDone }, "the hello came before every long call")
    }

    func testHelloAnswersWhileFourLongCallsOfAnotherFunctionRun() throws {
        try checkHelloAnswersWhile(longCalls: 4)
    }

    func testHelloAnswersWhileEightLongCallsOfAnotherFunctionRun() throws {
        try checkHelloAnswersWhile(longCalls: 8)
    }

    /// Waiting for a worker counts against the call's own limit: a call queued behind its own
    /// function's calls gets 504 after its time limit, not after the 30 s queue timeout.
    func testQueueWaitIsBoundedByTheInvocationsTimeout() throws {
        let suite = try suite
        let slow = try suite.deployOK(uniqueName("slow"), "python", source: "import time\ntime.sleep(2.5)\nprint('done')\n",
                                      query: "&timeout=3&concurrency=1")
        let first = startLongCalls(suite, slow, count: 1)
        try suite.waitFor("the first call running", timeout: 10) { FaaSSuite.workerRunning(function: slow) != nil }
        let started = Date()
        let queued = try suite.invoke(slow, "", timeout: 30)
        let waited = Date().timeIntervalSince(started)
        XCTAssertEqual(queued.status, 504, "\(queued)")
        XCTAssertLessThan(waited, 10, "bounded by its 3 s limit, not the 30 s queue timeout")
        XCTAssertEqual(first.group.wait(timeout: .now() + 30), .success)
        XCTAssertEqual(first.snapshot.map(\.status), [200], "the call that had the worker finished in its limit")
    }

    func testConcurrencyIsCheckedAtDeployAndShown() throws {
        let suite = try suite
        for bad in ["0", "-1", "x", "257", "1.5"] {
            let response = try suite.deploy(uniqueName("bad"), "python", source: "print(1)\n", query: "&concurrency=\(bad)")
            XCTAssertEqual(response.status, 400, "concurrency=\(bad): \(response)")
        }
        let response = try suite.deploy(uniqueName("narrow"), "python", source: "print(1)\n", query: "&concurrency=1")
        XCTAssertEqual(response.status, 201, "\(response)")
        XCTAssertEqual(try response.json()["concurrency"] as? Int, 1)
    }
}

/// `/health` pings the server and the load balancer; a stopped load balancer is named, and
/// invokes fail fast instead of hanging.
final class ChainHealthTests: SuiteTestCase {
    override class var suiteOptions: FaaSSuite.Options {
        var options = FaaSSuite.Options()
        options.workers = 2
        return options
    }

    func testStoppedLoadBalancerMakesHealth503AndInvokesFailFast() throws {
        let suite = try suite
        let hello = try suite.deployOK(uniqueName("hello"), "python", source: "print('hello')\n")
        let healthy = try suite.request("GET", "/health", authorized: false)
        XCTAssertEqual(healthy.status, 200, "\(healthy)")
        XCTAssertEqual(try healthy.json()["load_balancer"] as? String, "ok")
        let pid = try XCTUnwrap(suite.loadBalancer?.processIdentifier)
        XCTAssertEqual(kill(pid, SIGSTOP), 0)
        var resumed = false
        defer { if !resumed { kill(pid, SIGCONT) } }

        let started = Date()
        let health = try suite.request("GET", "/health", authorized: false, timeout: 10)
        XCTAssertEqual(health.status, 503, "\(health)")
        XCTAssertLessThan(Date().timeIntervalSince(started), 3, "answered within the ping deadline")
        let body = try health.json()
        XCTAssertEqual(body["unhealthy"] as? String, "load_balancer", "\(body)")
        XCTAssertEqual(body["ok"] as? Bool, false)

        // Once the chain has been silent a moment, invokes are refused at once.
        usleep(2_500_000)
        let invokeStarted = Date()
        let refused = try suite.invoke(hello, "", timeout: 10)
        XCTAssertEqual(refused.status, 503, "\(refused)")
        XCTAssertLessThan(Date().timeIntervalSince(invokeStarted), 1.5, "failed fast")
        XCTAssertTrue(String(decoding: refused.body, as: UTF8.self).contains("load balancer"), "\(refused)")

        XCTAssertEqual(kill(pid, SIGCONT), 0)
        resumed = true
        try suite.waitFor("/health healthy again", timeout: 10) { (try? suite.request("GET", "/health", authorized: false).status) == 200 }
        try suite.waitFor("invokes answered again", timeout: 10) { (try? suite.invoke(hello, "").status) == 200 }
    }
}
