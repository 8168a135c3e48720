import Foundation
import Glibc
import XCTest

/// Crashes: a worker killed with SIGKILL is replaced, the load balancer and the server can be
/// killed and started again, and the rest of the suite reconnects by itself.
final class RestartTests: SuiteTestCase {
    static let whoAmI = "import os, sys\nprint(os.environ['FAAS_WORKER_PID'], sys.stdin.read())\n"

    private func workerOf(_ output: String) -> Int32? { output.split(separator: " ").first.flatMap { Int32($0) } }

    func testKilledWorkerIsReplaced() throws {
        let suite = try suite
        let id = try suite.deployOK(uniqueName("who"), "python", source: Self.whoAmI)
        let before = suite.workerPIDs()
        XCTAssertEqual(before.count, 4, "\(before)")
        let victim = try XCTUnwrap(before.first)
        XCTAssertEqual(kill(victim, SIGKILL), 0)
        // The server notices (reaps it: no zombie left in /proc) before we go on; a call
        // dispatched to it in between would fail with it.
        try suite.waitFor("the killed worker to be reaped", timeout: 10) { access("/proc/\(victim)", F_OK) != 0 }

        var served: [Int32] = []
        for index in 0..<20 {
            let response = try suite.invoke(id, "after-kill-\(index)")
            XCTAssertEqual(response.status, 200, "invoke \(index) after the kill: \(response)")
            if let output = try? response.json()["output"] as? String {
                XCTAssertTrue(output.hasSuffix(" after-kill-\(index)\n"), output)
                if let pid = workerOf(output) { served.append(pid) }
            }
        }
        try suite.waitFor("four workers again", timeout: 10) { suite.workerPIDs().count == 4 }
        let after = suite.workerPIDs()
        XCTAssertFalse(after.contains(victim))
        XCTAssertEqual(Set(after).intersection(before).count, 3, "only the killed one was replaced: \(before) -> \(after)")
        XCTAssertFalse(served.contains(victim), "no answer came from the dead worker")
        let replacement = try XCTUnwrap(Set(after).subtracting(before).first)
        // Round robin over 20 invokes reaches every worker, the replacement included.
        XCTAssertTrue(served.contains(replacement), "the replacement worker \(replacement) serves: \(served)")
    }

    func testWorkerKilledMidInvokeFailsOnlyThatInvoke() throws {
        let suite = try suite
        let slow = try suite.deployOK(uniqueName("slow"), "python",
                                      source: "import os, sys, time\nprint(os.environ['FAAS_WORKER_PID'], flush=True)\ntime.sleep(3)\nprint('done')\n")
        let fast = try suite.deployOK(uniqueName("fast"), "python", source: try Examples.source("hello.py"))
        let before = suite.workerPIDs()
        // Start the slow invoke, find the busy worker (the one whose sandbox runs the slow
        // function: a process with FAAS_WORKER_PID and FAAS_FUNCTION_ID in its environment), kill it.
        let connection = try HTTPConnection(port: suite.port, timeout: 30)
        try connection.sendRequest("POST", "/invoke?fn=\(slow)", body: Data())
        var busy: Int32?
        try suite.waitFor("a worker running the slow function", timeout: 10) {
            busy = FaaSSuite.workerRunning(function: slow).flatMap { before.contains($0) ? $0 : nil }
            return busy != nil
        }
        let worker = try XCTUnwrap(busy)
        let started = Date()
        XCTAssertEqual(kill(worker, SIGKILL), 0)
        let response = try connection.readResponse()
        XCTAssertLessThan(Date().timeIntervalSince(started), 2.5, "the failure is reported when the worker dies, not at the timeout")
        XCTAssertEqual(response.status, 500, "\(response)")
        XCTAssertEqual(try response.json()["ok"] as? Bool, false)
        for index in 0..<8 {
            XCTAssertEqual(try suite.invokeText(fast, "ok\(index)"), "Hello, ok\(index)\n")
        }
        try suite.waitFor("four workers again", timeout: 10) { suite.workerPIDs().count == 4 }
    }

    func testLoadBalancerRestart() throws {
        let suite = try suite
        let id = try suite.deployOK(uniqueName("lbr"), "python", source: try Examples.source("hello.py"))
        XCTAssertEqual(try suite.invokeText(id, "before"), "Hello, before\n")
        suite.kill9(suite.loadBalancer)
        // Meanwhile invokes fail cleanly (503), they do not hang.
        let during = try suite.invoke(id, "during", timeout: 20)
        XCTAssertEqual(during.status, 503, "\(during)")
        // /health pings through the chain and names the missing part.
        let health = try suite.request("GET", "/health")
        XCTAssertEqual(health.status, 503, "\(health)")
        XCTAssertEqual(try health.json()["unhealthy"] as? String, "load_balancer", "\(health)")
        XCTAssertEqual(try health.json()["server"] as? String, "connected", "the gateway and the server are fine")

        let registered = suite.registrations()
        try suite.launchLoadBalancer()
        try suite.waitUntilReady(registrationsSince: registered)
        XCTAssertEqual(try suite.invokeText(id, "after"), "Hello, after\n")
    }

    func testServerRestart() throws {
        let suite = try suite
        let id = try suite.deployOK(uniqueName("srvr"), "python", source: try Examples.source("hello.py"))
        XCTAssertEqual(try suite.invokeText(id, "before"), "Hello, before\n")
        let oldWorkers = suite.workerPIDs()
        XCTAssertEqual(oldWorkers.count, 4)
        suite.kill9(suite.server)
        // Its workers do not outlive it (their stdin pipe closed).
        try suite.waitFor("the old workers to exit", timeout: 10) { oldWorkers.allSatisfy { !FaaSSuite.isAlive($0) } }
        try suite.waitFor("the gateway to notice", timeout: 10) {
            (try? suite.request("GET", "/health", timeout: 5))?.status == 503
        }
        let during = try suite.invoke(id, "during", timeout: 20)
        XCTAssertEqual(during.status, 503, "\(during)")

        let registered = suite.registrations()
        try suite.launchServer()   // over the stale socket file the killed server left
        try suite.waitUntilReady(registrationsSince: registered)
        XCTAssertEqual(try suite.invokeText(id, "after"), "Hello, after\n")
        XCTAssertTrue(Set(suite.workerPIDs()).isDisjoint(with: oldWorkers))
        // Functions deployed before the restart are all still there.
        XCTAssertEqual(try suite.request("GET", "/function/\(id)").status, 200)
    }
}

/// Start order and shutdown: the daemons come up in any order and find each other; SIGTERM
/// stops every daemon cleanly, finishing an invocation in flight, and no worker outlives the
/// server.
final class LifecycleTests: OwnSuiteTestCase {
    func testGracefulShutdownFinishesInFlightInvoke() throws {
        let suite = try FaaSSuite(name: "lifecycle", options: workers(2))
        self.suite = suite
        let id = try suite.deployOK("sleepy", "python", source: "import time, sys\ntime.sleep(1)\nprint('finished', sys.stdin.read())\n")
        let workers = suite.workerPIDs()
        XCTAssertEqual(workers.count, 2)

        let connection = try HTTPConnection(port: suite.port, timeout: 30)
        try connection.sendRequest("POST", "/invoke?fn=\(id)", body: Data("in-flight".utf8))
        usleep(300_000)   // the invoke is running in a worker now
        let server = try XCTUnwrap(suite.server)
        kill(server.processIdentifier, SIGTERM)
        let response = try connection.readResponse()
        XCTAssertEqual(response.status, 200, "the server finishes what it started: \(response)")
        XCTAssertEqual(try response.json()["output"] as? String, "finished in-flight\n")

        try suite.waitFor("the server to exit", timeout: 15) { !server.isRunning }
        XCTAssertEqual(server.terminationReason, .exit, "the server handles SIGTERM")
        XCTAssertEqual(server.terminationStatus, 0, "clean exit on SIGTERM")
        for worker in workers { XCTAssertFalse(FaaSSuite.isAlive(worker), "worker \(worker) outlived the server") }
        XCTAssertFalse(FileManager.default.fileExists(atPath: suite.serverSocket), "the server removes its socket")

        let statuses = suite.stop(removeFiles: false)
        XCTAssertEqual(statuses["gateway"], .some(0), "gateway: \(statuses)")
        XCTAssertEqual(statuses["load-balancer"], .some(0), "load balancer: \(statuses)")
        // Stored functions survive the stop.
        XCTAssertTrue(FileManager.default.fileExists(atPath: "\(suite.functionsDirectory)/\(id)/metadata.json"))
        XCTAssertTrue(FileManager.default.fileExists(atPath: "\(suite.functionsDirectory)/\(id)/code.py"))
    }

    func testDaemonsStartedInReverseOrderFindEachOther() throws {
        let suite = try FaaSSuite(name: "reverse", options: workers(2), start: false)
        self.suite = suite
        // Gateway first: it answers, but has no server yet.
        try suite.launchGateway()
        let health = try suite.request("GET", "/health")
        XCTAssertEqual(health.status, 503, "\(health)")
        let id = try suite.deployOK("early", "python", source: try Examples.source("hello.py"))
        let noServer = try suite.invoke(id, "x", timeout: 20)
        XCTAssertEqual(noServer.status, 503, "no server yet: \(noServer)")
        // Then the server, still without a load balancer.
        try suite.launchServer()
        // /health names the load balancer as the missing part once the server is reached.
        try suite.waitFor("the gateway to reach the server", timeout: 10) {
            (try? suite.request("GET", "/health", timeout: 5).json())?["server"] as? String == "connected"
        }
        let partial = try suite.request("GET", "/health")
        XCTAssertEqual(partial.status, 503, "\(partial)")
        XCTAssertEqual(try partial.json()["unhealthy"] as? String, "load_balancer", "\(partial)")
        let noBalancer = try suite.invoke(id, "x", timeout: 20)
        XCTAssertEqual(noBalancer.status, 503, "no load balancer yet: \(noBalancer)")
        // The load balancer last: everything connects and registers by itself.
        try suite.launchLoadBalancer()
        try suite.waitUntilReady()
        XCTAssertEqual(try suite.invokeText(id, "late peers"), "Hello, late peers\n")
        XCTAssertEqual(try suite.invokeText("early", "by name"), "Hello, by name\n")
    }
}
