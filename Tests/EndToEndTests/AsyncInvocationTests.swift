import CSQLite
import Foundation
import Glibc
import XCTest

/// Async invocations on the gateway's SQLite queue: the API, durability across SIGKILLs of the
/// gateway and the server, idempotency keys, callbacks and their allow-list, the call history.
final class AsyncInvocationTests: OwnSuiteTestCase {
    static let tokenFunction = "import sys, time\ntoken = sys.stdin.read()\ntime.sleep(0.05)\nprint('done', token)\n"

    private func options(_ environment: [String: String] = [:]) -> FaaSSuite.Options {
        var options = FaaSSuite.Options()
        options.environment = environment
        return options
    }

    private func submit(_ suite: FaaSSuite, _ fn: String, _ payload: String, query: String = "", headers: [(String, String)] = []) throws -> HTTPResult {
        try suite.request("POST", "/invoke?fn=\(fn)&async=true\(query)", body: Data(payload.utf8), headers: headers, timeout: 20)
    }

    private func submittedID(_ response: HTTPResult, file: StaticString = #filePath, line: UInt = #line) throws -> String {
        XCTAssertEqual(response.status, 202, "\(response)", file: file, line: line)
        return try XCTUnwrap(try response.json()["invocation_id"] as? String, "\(response)", file: file, line: line)
    }

    private func invocation(_ suite: FaaSSuite, _ id: String) throws -> [String: Any] {
        let response = try suite.request("GET", "/invocations/\(id)", timeout: 10)
        XCTAssertEqual(response.status, 200, "\(response)")
        return try response.json()
    }

    /// Polls until the invocation is in a final state.
    private func waitFinal(_ suite: FaaSSuite, _ id: String, timeout: Double = 60) throws -> [String: Any] {
        var last: [String: Any] = [:]
        try suite.waitFor("invocation \(id) to finish", timeout: timeout) {
            guard let record = try? invocation(suite, id) else { return false }
            last = record
            return !["queued", "running"].contains(record["state"] as? String ?? "")
        }
        return last
    }

    private func list(_ suite: FaaSSuite, _ query: String) throws -> [[String: Any]] {
        let response = try suite.request("GET", "/invocations?\(query)", timeout: 20)
        XCTAssertEqual(response.status, 200, "\(response)")
        return try XCTUnwrap(try response.json()["invocations"] as? [[String: Any]])
    }

    func testAsyncInvokeStatesHistoryAndCancel() throws {
        let suite = try FaaSSuite(name: "async-api", options: options(["FAAS_ASYNC_CONCURRENCY": "1"]))
        self.suite = suite
        let name = "tokens"
        let fn = try suite.deployOK(name, "python", source: Self.tokenFunction)

        // Query flag and header both make it async; the answer comes before it runs.
        let first = try submittedID(try submit(suite, fn, "a1"))
        XCTAssertEqual(try suite.request("POST", "/invoke?fn=\(fn)", body: Data("a2".utf8), headers: [("X-Invoke-Async", "true")]).status, 202)
        let record = try waitFinal(suite, first)
        XCTAssertEqual(record["state"] as? String, "succeeded", "\(record)")
        XCTAssertEqual(record["attempts"] as? Int, 1)
        XCTAssertEqual(record["function"] as? String, name)
        let result = try XCTUnwrap(record["result"] as? [String: Any], "\(record)")
        XCTAssertEqual(result["ok"] as? Bool, true)
        XCTAssertEqual(result["output"] as? String, "done a1\n")
        XCTAssertNotNil(record["finished_at"] as? Double)

        // A function failure is final, recorded with its error, in the same envelope as sync.
        let failing = try suite.deployOK("failing", "python", source: "import sys\nsys.exit('boom')\n")
        let failed = try waitFinal(suite, try submittedID(try submit(suite, failing, "")))
        XCTAssertEqual(failed["state"] as? String, "failed")
        XCTAssertEqual(failed["attempts"] as? Int, 1, "no retry of a function failure unless asked")
        XCTAssertEqual((failed["result"] as? [String: Any])?["ok"] as? Bool, false)
        // ... unless retries were asked for.
        let retried = try waitFinal(suite, try submittedID(try submit(suite, failing, "", query: "&retries=2")))
        XCTAssertEqual(retried["state"] as? String, "failed")
        XCTAssertEqual(retried["attempts"] as? Int, 3)

        // Cancel: with one async slot busy on a slow call, the next one stays queued.
        let slow = try suite.deployOK("slow", "python", source: "import time\ntime.sleep(2)\nprint('slow')\n")
        let busy = try submittedID(try submit(suite, slow, ""))
        try suite.waitFor("the slow invocation to run") { ((try? self.invocation(suite, busy))?["state"] as? String) == "running" }
        let queued = try submittedID(try submit(suite, fn, "never"))
        XCTAssertEqual(try invocation(suite, queued)["state"] as? String, "queued")
        let cancel = try suite.request("DELETE", "/invocations/\(queued)")
        XCTAssertEqual(cancel.status, 200, "\(cancel)")
        XCTAssertEqual(try suite.request("DELETE", "/invocations/\(queued)").status, 409, "cancelled is final")
        XCTAssertEqual(try suite.request("DELETE", "/invocations/\(busy)").status, 409, "a running invocation cannot be cancelled")
        XCTAssertEqual(try waitFinal(suite, busy)["state"] as? String, "succeeded")
        XCTAssertEqual(try invocation(suite, queued)["state"] as? String, "cancelled")
        XCTAssertEqual(try suite.request("DELETE", "/invocations/inv_nope").status, 404)
        XCTAssertEqual(try suite.request("GET", "/invocations/inv_nope").status, 404)
        XCTAssertEqual(try suite.request("GET", "/invocations/bad%20id").status, 400)

        // Sync calls are in the history too, their id in a header.
        let sync = try suite.invoke(fn, "s1")
        XCTAssertEqual(sync.status, 200)
        let syncID = try XCTUnwrap(sync.header("X-Invocation-Id"), "\(sync.headers)")
        var syncRecord: [String: Any] = [:]
        try suite.waitFor("the sync call to be recorded") {
            guard let response = try? suite.request("GET", "/invocations/\(syncID)"), response.status == 200 else { return false }
            syncRecord = (try? response.json()) ?? [:]
            return true
        }
        XCTAssertEqual(syncRecord["kind"] as? String, "sync")
        XCTAssertEqual(syncRecord["state"] as? String, "succeeded")
        XCTAssertEqual(syncRecord["status"] as? Int, 200)
        XCTAssertEqual(syncRecord["caller"] as? String, "admin")

        // Listing by function and state; bad filters are refused.
        let succeeded = try list(suite, "fn=\(name)&state=succeeded")
        XCTAssertEqual(Set(succeeded.compactMap { $0["id"] as? String }).isSuperset(of: [first, syncID]), true, "\(succeeded)")
        XCTAssertTrue(succeeded.allSatisfy { $0["state"] as? String == "succeeded" && $0["function"] as? String == name })
        XCTAssertEqual(try list(suite, "fn=\(name)&state=cancelled").compactMap { $0["id"] as? String }, [queued])
        XCTAssertEqual(try list(suite, "limit=1").count, 1)
        XCTAssertEqual(try suite.request("GET", "/invocations?state=done").status, 400)
        XCTAssertEqual(try suite.request("GET", "/invocations?limit=0").status, 400)
        XCTAssertEqual(try suite.request("POST", "/invoke?fn=\(fn)&async=maybe").status, 400)
        XCTAssertEqual(try suite.request("POST", "/invoke?fn=\(fn)&async=true&retries=-1").status, 400)
        XCTAssertEqual(try suite.request("POST", "/invoke?fn=\(fn)&retries=2").status, 400, "retries without async")
        XCTAssertEqual(try suite.request("POST", "/invoke?fn=\(fn)&async=true", headers: [("X-Callback-Url", "ftp://x/")]).status, 400)

        // The per-function summary the console's functions page shows.
        let summary = try suite.request("GET", "/invocations/summary?recent=2", timeout: 20)
        XCTAssertEqual(summary.status, 200, "\(summary)")
        let functions = try XCTUnwrap(try summary.json()["functions"] as? [[String: Any]], "\(summary)")
        let tokens = try XCTUnwrap(functions.first { $0["function"] as? String == name }, "\(functions)")
        let states = try XCTUnwrap(tokens["states"] as? [String: Int], "\(tokens)")
        XCTAssertEqual(states["cancelled"], 1, "\(tokens)")
        XCTAssertEqual(tokens["last_state"] as? String, "succeeded", "the sync call s1 is the latest")
        XCTAssertEqual((tokens["recent"] as? [[String: Any]])?.count, 2)
        let failingSummary = try XCTUnwrap(functions.first { $0["function"] as? String == "failing" }, "\(functions)")
        XCTAssertEqual(failingSummary["states"] as? [String: Int], ["failed": 2])
        XCTAssertEqual(try suite.request("GET", "/invocations/summary?window=0").status, 400)
        XCTAssertEqual(try suite.request("GET", "/invocations/summary?recent=x").status, 400)
        XCTAssertEqual(try suite.request("GET", "/invocations/summary?fn=a/b").status, 400)
        XCTAssertEqual(try suite.request("GET", "/invocations/summary?bogus=1").status, 400)

        // Scopes: a read key reads, cannot cancel; an invoke key for another function cannot submit.
        let readKey = try makeKey(suite, scopes: ["read"])
        XCTAssertEqual(try suite.request("GET", "/invocations/\(first)", headers: [("Authorization", "Bearer \(readKey)")]).status, 200)
        XCTAssertEqual(try suite.request("DELETE", "/invocations/\(first)", headers: [("Authorization", "Bearer \(readKey)")]).status, 403)
        XCTAssertEqual(try suite.request("GET", "/invocations", authorized: false).status, 401)
        // An invoke-only key reads what it submitted, not the others.
        let invokeKey = try makeKey(suite, scopes: ["invoke"])
        let own = try submittedID(try suite.request("POST", "/invoke?fn=\(fn)&async=true", body: Data("k".utf8),
                                                    headers: [("Authorization", "Bearer \(invokeKey)")]))
        XCTAssertEqual(try suite.request("GET", "/invocations/\(own)", headers: [("Authorization", "Bearer \(invokeKey)")]).status, 200)
        XCTAssertEqual(try suite.request("GET", "/invocations/\(first)", headers: [("Authorization", "Bearer \(invokeKey)")]).status, 403)
        let mine = try suite.request("GET", "/invocations", headers: [("Authorization", "Bearer \(invokeKey)")])
        XCTAssertEqual(try XCTUnwrap(try mine.json()["invocations"] as? [[String: Any]]).compactMap { $0["id"] as? String }, [own])

        let metrics = try suite.request("GET", "/metrics").text
        for family in ["faas_async_queue_depth", "faas_async_oldest_queued_seconds", "faas_async_retries_total", "faas_callback_failures_total"] {
            XCTAssertTrue(metrics.contains("\n\(family)"), "\(family) in /metrics")
        }
        XCTAssertTrue(metrics.contains("faas_async_retries_total 2"), "the two retries of the failing call are counted")
    }

    private func makeKey(_ suite: FaaSSuite, scopes: [String]) throws -> String {
        let body = try JSONSerialization.data(withJSONObject: ["scopes": scopes])
        let response = try suite.request("POST", "/keys", body: body)
        XCTAssertEqual(response.status, 201, "\(response)")
        return try XCTUnwrap(try response.json()["key"] as? String, "\(response)")
    }

    /// 200 async invocations submitted while the gateway and the server are SIGKILLed and
    /// restarted twice: every one ends succeeded, exactly once, none lost or duplicated.
    func testDurableAcrossKillsOfGatewayAndServer() throws {
        let suite = try FaaSSuite(name: "async-durable", options: options(["FAAS_ASYNC_CONCURRENCY": "2"]))
        self.suite = suite
        let name = "durable"
        let fn = try suite.deployOK(name, "python", source: Self.tokenFunction)
        let total = 200
        let tokens = (0..<total).map { "tok-\($0)" }
        let accepted = Locked<[String: String]>([:])   // token -> invocation id
        let restarting = Locked(false)
        // The client retries what fails while the daemons are down, under the same idempotency
        // key: a retried submission never makes a second invocation.
        let submitter = Thread {
            for token in tokens {
                while true {
                    if restarting.value { usleep(20_000); continue }
                    let port = suite.port
                    if let response = try? HTTP.request(port: port, "POST", "/invoke?fn=\(fn)&async=true", body: Data(token.utf8),
                                                        headers: [("Idempotency-Key", token)], timeout: 10),
                       [200, 202].contains(response.status), let id = (try? response.json())?["invocation_id"] as? String {
                        accepted.update { $0[token] = id }
                        break
                    }
                    usleep(50_000)
                }
            }
        }
        submitter.start()
        for round in 1...2 {
            try suite.waitFor("\(round * 70) submissions", timeout: 120) { accepted.value.count >= round * 70 }
            restarting.value = true
            suite.kill9(suite.gateway)
            suite.kill9(suite.server)
            let registered = suite.registrations()
            try suite.launchServer()
            try suite.launchGateway()
            try suite.waitUntilReady(registrationsSince: registered)
            restarting.value = false
        }
        try suite.waitFor("all \(total) submissions", timeout: 120) { accepted.value.count == total }
        let ids = accepted.value
        XCTAssertEqual(Set(ids.values).count, total, "one invocation per token")

        var records: [[String: Any]] = []
        try suite.waitFor("every invocation to finish", timeout: 240) {
            guard let listed = try? self.list(suite, "fn=\(name)&limit=1000") else { return false }
            records = listed
            return listed.count >= total && listed.allSatisfy { !["queued", "running"].contains($0["state"] as? String ?? "") }
        }
        XCTAssertEqual(records.count, total, "no duplicates in the history")
        XCTAssertEqual(Set(records.compactMap { $0["id"] as? String }), Set(ids.values))
        let states = Dictionary(grouping: records, by: { $0["state"] as? String ?? "?" }).mapValues(\.count)
        XCTAssertEqual(states, ["succeeded": total], "\(states)")
        // The function's own side effect: each output names its token, every token once.
        var outputs: [String: Int] = [:]
        for record in records {
            let output = ((record["result"] as? [String: Any])?["output"] as? String) ?? ""
            outputs[output, default: 0] += 1
        }
        XCTAssertEqual(Set(outputs.keys), Set(tokens.map { "done \($0)\n" }))
        XCTAssertTrue(outputs.values.allSatisfy { $0 == 1 })
        for (token, id) in ids.prefix(5) {
            let record = try invocation(suite, id)
            XCTAssertEqual((record["result"] as? [String: Any])?["output"] as? String, "done \(token)\n")
        }
    }

    func testIdempotencyKeyHoldsAcrossRestart() throws {
        let suite = try FaaSSuite(name: "async-idem", options: options())
        self.suite = suite
        let fn = try suite.deployOK("idem", "python", source: Self.tokenFunction)
        let other = try suite.deployOK("idem2", "python", source: Self.tokenFunction)
        let first = try submittedID(try submit(suite, fn, "x", headers: [("Idempotency-Key", "order-42")]))
        let again = try submit(suite, fn, "x", headers: [("Idempotency-Key", "order-42")])
        XCTAssertEqual(again.status, 200, "\(again)")
        XCTAssertEqual(try again.json()["invocation_id"] as? String, first)
        // The key is per function.
        XCTAssertNotEqual(try submittedID(try submit(suite, other, "x", headers: [("Idempotency-Key", "order-42")])), first)

        suite.kill9(suite.gateway)
        try suite.launchGateway()
        try suite.waitUntilReady()
        let afterRestart = try submit(suite, fn, "x", headers: [("Idempotency-Key", "order-42")])
        XCTAssertEqual(afterRestart.status, 200, "\(afterRestart)")
        XCTAssertEqual(try afterRestart.json()["invocation_id"] as? String, first)
        XCTAssertEqual(try waitFinal(suite, first)["state"] as? String, "succeeded")
        XCTAssertEqual(try list(suite, "fn=idem").count, 1)
    }

    /// Every result reaches the receiver, including the ones finished around a gateway kill;
    /// a receiver that fails at first gets the result on a retry; a refused address is never
    /// contacted.
    func testCallbacksDeliveredAndRefusedAddressNeverContacted() throws {
        let receiver = try CallbackReceiver(failFirst: 2)
        defer { receiver.close() }
        let refused = try CallbackReceiver(address: "127.0.0.2")
        defer { refused.close() }
        let suite = try FaaSSuite(name: "async-callback", options: options(["FAAS_CALLBACK_ALLOW": "127.0.0.1/32"]))
        self.suite = suite
        let fn = try suite.deployOK("hooked", "python", source: Self.tokenFunction)
        var ids: [String: String] = [:]
        for index in 0..<10 {
            ids[try submittedID(try submit(suite, fn, "cb-\(index)", headers: [("X-Callback-Url", receiver.url)]))] = "cb-\(index)"
        }
        suite.kill9(suite.gateway)
        try suite.launchGateway()
        try suite.waitUntilReady()
        for index in 10..<15 {
            ids[try submittedID(try submit(suite, fn, "cb-\(index)", headers: [("X-Callback-Url", receiver.url)]))] = "cb-\(index)"
        }
        try suite.waitFor("every callback", timeout: 120) {
            Set(receiver.received.compactMap { $0.headers["x-invocation-id"] }).isSuperset(of: Set(ids.keys))
        }
        for delivery in receiver.received {
            guard let id = delivery.headers["x-invocation-id"], let token = ids[id] else { continue }
            let body = try XCTUnwrap(try JSONSerialization.jsonObject(with: delivery.body) as? [String: Any])
            XCTAssertEqual(body["ok"] as? Bool, true)
            XCTAssertEqual(body["output"] as? String, "done \(token)\n")
            XCTAssertEqual(delivery.headers["x-invocation-state"], "succeeded")
        }
        // The attempts are recorded; the two failed ones show on some invocation.
        var attempts = 0
        try suite.waitFor("callback states recorded") {
            attempts = 0
            for id in ids.keys {
                guard let record = try? self.invocation(suite, id), let callback = record["callback"] as? [String: Any],
                      callback["state"] as? String == "delivered" else { return false }
                attempts += callback["attempts"] as? Int ?? 0
            }
            return true
        }
        XCTAssertEqual(attempts, ids.count + 2, "two deliveries failed once and were retried")

        // Outside the allow-list: refused at submission, never connected to.
        let response = try submit(suite, fn, "no", headers: [("X-Callback-Url", refused.url)])
        XCTAssertEqual(response.status, 400, "\(response)")
        XCTAssertTrue(response.text.contains("refused"), response.text)
        let metrics = try suite.request("GET", "/metrics").text
        XCTAssertTrue(metrics.contains("faas_callback_failures_total 2"), metrics)
        usleep(500_000)
        XCTAssertEqual(refused.connections, 0, "the refused address never got a connection")
    }

    /// With the default policy, a name resolving to loopback is accepted at submission but
    /// refused once resolved: the invocation runs, the callback fails, no connection is made.
    func testCallbackToLoopbackNameRefusedByDefault() throws {
        let refused = try CallbackReceiver()
        defer { refused.close() }
        let suite = try FaaSSuite(name: "async-nocb", options: options())
        self.suite = suite
        let fn = try suite.deployOK("nocb", "python", source: Self.tokenFunction)
        let literal = try submit(suite, fn, "x", headers: [("X-Callback-Url", refused.url)])
        XCTAssertEqual(literal.status, 400, "loopback literal refused by default: \(literal)")
        let id = try submittedID(try submit(suite, fn, "x", headers: [("X-Callback-Url", "http://localhost:\(refused.port)/hook")]))
        XCTAssertEqual(try waitFinal(suite, id)["state"] as? String, "succeeded")
        var callback: [String: Any] = [:]
        try suite.waitFor("the callback to be given up") {
            callback = ((try? self.invocation(suite, id))?["callback"] as? [String: Any]) ?? [:]
            return callback["state"] as? String == "failed"
        }
        XCTAssertTrue((callback["error"] as? String ?? "").contains("FAAS_CALLBACK_ALLOW"), "\(callback)")
        usleep(500_000)
        XCTAssertEqual(refused.connections, 0, "no connection to a refused address")
    }

    /// `scripts/invoke.sh --async` prints the id; `--wait` polls until the invocation finishes.
    func testInvokeScriptAsyncAndWait() throws {
        let suite = try FaaSSuite(name: "async-script", options: options())
        self.suite = suite
        let fn = try suite.deployOK("scripted", "python", source: Self.tokenFunction)
        let environment = ["FAAS_URL": "http://127.0.0.1:\(suite.port)", "FAAS_API_KEY": FaaSSuite.adminKey]
        let queued = try runScript("invoke.sh", ["--async", fn, "s1"], environment: environment)
        XCTAssertEqual(queued.status, 0, queued.output)
        let id = queued.output.trimmingCharacters(in: .whitespacesAndNewlines)
        XCTAssertTrue(id.hasPrefix("inv_"), queued.output)
        XCTAssertEqual(try waitFinal(suite, id)["state"] as? String, "succeeded")
        let waited = try runScript("invoke.sh", ["--wait", fn, "s2"], environment: environment)
        XCTAssertEqual(waited.status, 0, waited.output)
        let record = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(waited.output.utf8)) as? [String: Any], waited.output)
        XCTAssertEqual(record["state"] as? String, "succeeded")
        XCTAssertEqual((record["result"] as? [String: Any])?["output"] as? String, "done s2\n")
        let failing = try suite.deployOK("scriptfail", "python", source: "import sys\nsys.exit('no')\n")
        let failed = try runScript("invoke.sh", ["--wait", failing], environment: environment)
        XCTAssertEqual(failed.status, 1, failed.output)
        XCTAssertTrue(failed.output.contains("ended failed"), failed.output)
        XCTAssertEqual(try runScript("invoke.sh", ["--bogus", fn], environment: environment).status, 2)
    }

    private func runScript(_ name: String, _ arguments: [String], environment: [String: String]) throws -> (status: Int32, output: String) {
        let process = Process()
        let repository = Examples.directory.deletingLastPathComponent().deletingLastPathComponent()
        process.executableURL = repository.appendingPathComponent("scripts/\(name)")
        process.arguments = arguments
        var env = ["PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin", "HOME": NSTemporaryDirectory()]
        for (key, value) in environment { env[key] = value }
        process.environment = env
        let output = Pipe()
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = output
        process.standardError = output
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    /// SIGKILL during a stream of writes (sync records, async submissions): the database opens,
    /// passes SQLite's integrity check, and the gateway starts on it with everything accepted.
    func testDatabaseSurvivesKillDuringWrites() throws {
        let suite = try FaaSSuite(name: "async-dbkill", options: options())
        self.suite = suite
        let fn = try suite.deployOK("writer", "python", source: "import sys\nprint(sys.stdin.read())\n")
        let acceptedAsync = Locked<Set<String>>([])
        let stop = Locked(false)
        let port = suite.port
        let writers = (0..<4).map { writer in
            Thread {
                var index = 0
                while !stop.value {
                    index += 1
                    let async = index % 2 == 0
                    let response = try? HTTP.request(port: port, "POST", "/invoke?fn=\(fn)\(async ? "&async=true" : "")",
                                                     body: Data("w\(writer)-\(index)".utf8), timeout: 10)
                    if async, response?.status == 202, let id = (try? response?.json())?["invocation_id"] as? String {
                        acceptedAsync.update { _ = $0.insert(id) }
                    }
                    if response == nil { return }
                }
            }
        }
        writers.forEach { $0.start() }
        try suite.waitFor("some accepted submissions", timeout: 60) { acceptedAsync.value.count >= 40 }
        suite.kill9(suite.gateway)
        stop.value = true
        usleep(300_000)
        let accepted = acceptedAsync.value

        // Reopen the database as it was left, beside the gateway's absence.
        let path = suite.functionsDirectory + "/.invocations/invocations.db"
        var database: OpaquePointer?
        XCTAssertEqual(sqlite3_open_v2(path, &database, SQLITE_OPEN_READWRITE, nil), SQLITE_OK)
        func scalar(_ sql: String) -> String? {
            var statement: OpaquePointer?
            guard sqlite3_prepare_v2(database, sql, -1, &statement, nil) == SQLITE_OK else { return nil }
            defer { sqlite3_finalize(statement) }
            guard sqlite3_step(statement) == SQLITE_ROW, let text = sqlite3_column_text(statement, 0) else { return nil }
            return String(cString: text)
        }
        XCTAssertEqual(scalar("PRAGMA integrity_check"), "ok")
        XCTAssertEqual(scalar("PRAGMA journal_mode"), "wal")
        let stored = Int(scalar("SELECT COUNT(*) FROM invocations WHERE kind = 'async'") ?? "") ?? -1
        XCTAssertGreaterThanOrEqual(stored, accepted.count, "every acknowledged submission was committed")
        sqlite3_close(database)

        try suite.launchGateway()
        try suite.waitUntilReady()
        for id in accepted {
            let record = try waitFinal(suite, id)
            XCTAssertEqual(record["state"] as? String, "succeeded", "\(record)")
        }
    }
}

/// A value shared with a test's helper threads.
final class Locked<Value>: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: Value

    init(_ value: Value) { stored = value }

    var value: Value {
        get { lock.withLock { stored } }
        set { lock.withLock { stored = newValue } }
    }

    func update(_ body: (inout Value) -> Void) { lock.withLock { body(&stored) } }
}
