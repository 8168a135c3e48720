import Foundation
import XCTest

/// 50 invokes in flight at once through each load-balancing strategy: every one answers with
/// its own payload, and the work is spread over all four workers. The function prints
/// FAAS_WORKER_PID, the pid of the worker that ran it (its sandbox hides the real parent).
class ConcurrencyTestCase: SuiteTestCase {
    class var strategy: String { "rr" }

    override class var suiteName: String { "conc-\(strategy)" }

    override class var suiteOptions: FaaSSuite.Options {
        var options = FaaSSuite.Options()
        options.workers = 4
        options.strategy = strategy
        return options
    }

    static let whoAmI = "import os, sys\nprint(os.environ['FAAS_WORKER_PID'], sys.stdin.read())\n"

    /// Sends `count` invokes at once and checks each answer; returns the worker pid per answer.
    func burst(_ function: String, count: Int, tag: String, file: StaticString = #filePath, line: UInt = #line) throws -> [Int32] {
        let suite = try suite
        let requests = (0..<count).map { index in
            (method: "POST", path: "/invoke?fn=\(function)", body: Data("\(tag)-payload-\(index)".utf8))
        }
        var workers: [Int32] = []
        for (index, outcome) in HTTP.concurrent(port: suite.port, requests).enumerated() {
            let response: HTTPResult
            do { response = try outcome.get() } catch {
                XCTFail("request \(index): \(error)", file: file, line: line)
                continue
            }
            guard response.status == 200, let object = try? response.json(), let output = object["output"] as? String else {
                XCTFail("request \(index): \(response)", file: file, line: line)
                continue
            }
            let parts = output.split(separator: " ", maxSplits: 1)
            XCTAssertEqual(parts.count, 2, "request \(index): \(output.debugDescription)", file: file, line: line)
            XCTAssertEqual(parts.last.map(String.init), "\(tag)-payload-\(index)\n", "request \(index) got someone else's answer", file: file, line: line)
            if let pid = parts.first.flatMap({ Int32($0) }) { workers.append(pid) }
        }
        return workers
    }

    func checkSpreadOverAllWorkers() throws {
        let suite = try suite
        // Its own limit of the whole pool: by default one function may use only half of it.
        let id = try suite.deployOK(uniqueName("who"), "python", source: Self.whoAmI, query: "&concurrency=4")
        let before = suite.workerPIDs()
        XCTAssertEqual(before.count, 4, "four workers: \(before)")

        let answered = try burst(id, count: 50, tag: Self.strategy)
        XCTAssertEqual(answered.count, 50, "every invoke answered")
        let used = Set(answered)
        XCTAssertTrue(used.isSubset(of: Set(before)), "answers come from the server's workers: used \(used.sorted()), workers \(before)")
        XCTAssertEqual(used.count, 4, "\(Self.strategy): all four workers took part: \(histogram(answered))")
        XCTAssertEqual(suite.workerPIDs(), before, "no worker died or was replaced")
    }

    func histogram(_ pids: [Int32]) -> String {
        Dictionary(grouping: pids, by: { $0 }).map { "\($0.key): \($0.value.count)" }.sorted().joined(separator: ", ")
    }
}

final class RoundRobinConcurrencyTests: ConcurrencyTestCase {
    override class var strategy: String { "rr" }

    func testFiftyConcurrentInvokesUseAllWorkers() throws { try checkSpreadOverAllWorkers() }

    /// Sequential invokes under round robin visit the workers in turn.
    func testSequentialInvokesRotate() throws {
        let suite = try suite
        let id = try suite.deployOK(uniqueName("rot"), "python", source: Self.whoAmI)
        var order: [Int32] = []
        for index in 0..<8 {
            let output = try suite.invokeText(id, "seq\(index)")
            XCTAssertTrue(output.hasSuffix(" seq\(index)\n"), output)
            if let pid = output.split(separator: " ").first.flatMap({ Int32($0) }) { order.append(pid) }
        }
        XCTAssertEqual(order.count, 8)
        XCTAssertEqual(Set(order.prefix(4)).count, 4, "four consecutive invokes hit four workers: \(order)")
        XCTAssertEqual(Array(order.prefix(4)), Array(order.suffix(4)), "and then the same cycle again: \(order)")
    }
}

final class FifoConcurrencyTests: ConcurrencyTestCase {
    override class var strategy: String { "fifo" }

    func testFiftyConcurrentInvokesUseAllWorkers() throws { try checkSpreadOverAllWorkers() }

    /// One at a time, FIFO always finds the first worker idle.
    func testSequentialInvokesStayOnTheFirstWorker() throws {
        let suite = try suite
        let id = try suite.deployOK(uniqueName("first"), "python", source: Self.whoAmI)
        var used: Set<Int32> = []
        for index in 0..<6 {
            let output = try suite.invokeText(id, "s\(index)")
            if let pid = output.split(separator: " ").first.flatMap({ Int32($0) }) { used.insert(pid) }
        }
        XCTAssertEqual(used.count, 1, "sequential invokes all go to the first idle worker: \(used)")
    }
}

final class WeightedConcurrencyTests: ConcurrencyTestCase {
    override class var strategy: String { "weighted" }

    func testFiftyConcurrentInvokesUseAllWorkers() throws { try checkSpreadOverAllWorkers() }

    /// Least loaded: after one worker ran a slow call, sequential invokes go to the others,
    /// whose recent calls were fast (round robin would come back to it every fourth call).
    func testSequentialInvokesAvoidTheWorkerThatWasSlow() throws {
        let suite = try suite
        let fast = try suite.deployOK(uniqueName("fast"), "python", source: Self.whoAmI, query: "&concurrency=4")
        let slow = try suite.deployOK(uniqueName("slow"), "python",
                                      source: "import os, time\ntime.sleep(2)\nprint(os.environ['FAAS_WORKER_PID'], 'slow')\n")
        // Bursts reach every worker: all have run the fast function, warm.
        var warmed: Set<Int32> = []
        for round in 0..<3 { warmed.formUnion(try burst(fast, count: 16, tag: "warm\(round)")) }
        XCTAssertEqual(warmed.count, 4)
        let slowOutput = try suite.invokeText(slow, "")
        let slowWorker = try XCTUnwrap(slowOutput.split(separator: " ").first.flatMap { Int32($0) }, slowOutput)
        var order: [Int32] = []
        for index in 0..<8 {
            let output = try suite.invokeText(fast, "w\(index)")
            XCTAssertTrue(output.hasSuffix(" w\(index)\n"), output)
            if let pid = output.split(separator: " ").first.flatMap({ Int32($0) }) { order.append(pid) }
        }
        XCTAssertEqual(order.count, 8)
        XCTAssertFalse(order.contains(slowWorker), "worker \(slowWorker) just took 2 s: \(order)")
    }
}
