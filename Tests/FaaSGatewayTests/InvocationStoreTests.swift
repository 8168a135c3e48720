import FaaSHTTP
import FaaSProtocol
import Foundation
import XCTest
@testable import FaaSGateway

/// The invocation store on a real SQLite file: schema, idempotency, exactly one final state,
/// recovery after a kill, large results in files, pruning.
final class InvocationStoreTests: XCTestCase {
    private var directory = ""

    override func setUp() {
        directory = NSTemporaryDirectory() + "faas-store-\(UUID().uuidString.prefix(8))"
        try? FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    }

    override func tearDown() { try? FileManager.default.removeItem(atPath: directory) }

    private func open(inlineMax: Int = 1024) throws -> InvocationStore {
        try InvocationStore(path: directory + "/invocations.db", inlineMax: inlineMax)
    }

    private func record(_ id: String, key: String? = nil, function: String = "f") -> InvocationRecord {
        var record = InvocationRecord(id: id, kind: .async, function: function, functionID: "\(function)_1", version: 1, state: .queued,
                                      caller: "k1", payload: Array("p-\(id)".utf8), timeout: 5, memory: 64, submittedAt: InvocationStore.now())
        record.idempotencyKey = key
        record.maxRetries = 2
        return record
    }

    func testMigrationsRecordTheSchemaVersionAndReopen() throws {
        let store = try open()
        store.close()
        let again = try open()
        XCTAssertEqual(try again.queueStats().depth, 0)
        let database = try SQLiteDatabase(path: directory + "/invocations.db")
        let version = try database.statement("PRAGMA user_version")
        XCTAssertTrue(try version.step())
        XCTAssertEqual(version.int(0), InvocationSchema.migrations.count)
        let mode = try database.statement("PRAGMA journal_mode")
        XCTAssertTrue(try mode.step())
        XCTAssertEqual(mode.text(0), "wal")
    }

    func testIdempotencyKeyReturnsTheFirstInvocationPerFunction() throws {
        let store = try open()
        guard case .created("a") = try store.submit(record("a", key: "k")) else { return XCTFail("first is created") }
        guard case .existing("a") = try store.submit(record("b", key: "k")) else { return XCTFail("same key: the first") }
        guard case .created("c") = try store.submit(record("c", key: "k", function: "g")) else { return XCTFail("other function: new") }
        XCTAssertNil(try store.get(id: "b"))
    }

    func testClaimFinishIsExactlyOnceAndRunningIsRequeuedAfterAKill() throws {
        let store = try open()
        _ = try store.submit(record("a"))
        _ = try store.submit(record("b"))
        let claimed = try store.claim(limit: 10, now: InvocationStore.now())
        XCTAssertEqual(claimed.map(\.id).sorted(), ["a", "b"])
        XCTAssertEqual(claimed.first?.payload, Array("p-\(claimed[0].id)".utf8))
        XCTAssertEqual(claimed.first?.attempts, 1)
        XCTAssertTrue(try store.claim(limit: 10, now: InvocationStore.now()).isEmpty, "running ones are not claimed twice")
        XCTAssertTrue(try store.finish(id: "a", state: .succeeded, result: .success(id: nil, output: Array("out".utf8)), duration: 0.1, now: InvocationStore.now()))
        XCTAssertFalse(try store.finish(id: "a", state: .failed, result: .failure(id: nil, .failed, "late"), duration: 0.1, now: InvocationStore.now()),
                       "a second result never replaces the final state")
        XCTAssertEqual(try store.get(id: "a")?.state, .succeeded)
        XCTAssertEqual(try store.get(id: "a")?.result?.output, Array("out".utf8))
        store.close()

        // "b" was running when the gateway died: it is queued again on the next start.
        let reopened = try open()
        XCTAssertEqual(try reopened.requeueRunning(), 1)
        let again = try reopened.claim(limit: 10, now: InvocationStore.now())
        XCTAssertEqual(again.map(\.id), ["b"])
        XCTAssertEqual(again.first?.attempts, 2)
    }

    func testRetryWaitsForItsTimeAndCancelOnlyQueued() throws {
        let store = try open()
        _ = try store.submit(record("a"))
        _ = try store.submit(record("b"))
        let now = InvocationStore.now()
        _ = try store.claim(limit: 1, now: now)
        let running = try XCTUnwrap(try store.list(function: "f", state: .running, caller: nil, limit: 10).first?.id)
        let queued = running == "a" ? "b" : "a"
        try store.retry(id: running, at: now + 60, error: "server gone")
        XCTAssertTrue(try store.claim(limit: 10, now: now).map(\.id) == [queued], "the retry is not due yet")
        XCTAssertEqual(try store.claim(limit: 10, now: now + 61).map(\.id), [running])
        guard case .notQueued(.running) = try store.cancel(id: running, now: now) else { return XCTFail("running: not cancelled") }
        guard case .notFound = try store.cancel(id: "zz", now: now) else { return XCTFail("unknown") }
        _ = try store.submit(record("c"))
        guard case .cancelled = try store.cancel(id: "c", now: now) else { return XCTFail("queued: cancelled") }
        XCTAssertEqual(try store.get(id: "c")?.state, .cancelled)
    }

    func testLargeOutputsLiveInFilesAndArePrunedWithTheirRecord() throws {
        let store = try open(inlineMax: 16)
        _ = try store.submit(record("big"))
        _ = try store.claim(limit: 1, now: InvocationStore.now())
        let output = String(repeating: "x", count: 5000)
        XCTAssertTrue(try store.finish(id: "big", state: .succeeded, result: .success(id: nil, output: Array(output.utf8)), duration: 1, now: 1000))
        XCTAssertTrue(FileManager.default.fileExists(atPath: directory + "/results/big"))
        XCTAssertEqual(try store.get(id: "big")?.result?.output, Array(output.utf8))
        var sync = record("s")
        sync.kind = .sync
        sync.state = .succeeded
        sync.result = .success(id: nil, output: Array("tiny".utf8))
        sync.finishedAt = 2000
        try store.recordSync([sync])
        XCTAssertEqual(try store.get(id: "s")?.result?.output, Array("tiny".utf8))
        // Output that is not UTF-8 keeps its bytes.
        XCTAssertEqual(InvocationStore.outputBytes(text: InvocationStore.storedText([0xFF, 0x00, 0x41]).text,
                                                   encoding: InvocationStore.storedText([0xFF, 0x00, 0x41]).encoding), [0xFF, 0x00, 0x41])
        XCTAssertEqual(try store.prune(before: 1500), 1, "only what finished before the cut")
        XCTAssertNil(try store.get(id: "big"))
        XCTAssertFalse(FileManager.default.fileExists(atPath: directory + "/results/big"))
        XCTAssertNotNil(try store.get(id: "s"))
    }

    func testSummaryCountsStatesInTheWindowAndListsTheLatestPerFunction() throws {
        let store = try open()
        func sync(_ id: String, _ function: String, _ state: InvocationState, at time: Double, caller: String = "k1") -> InvocationRecord {
            var call = record(id, function: function)
            call.kind = .sync
            call.state = state
            call.caller = caller
            call.submittedAt = time
            call.finishedAt = time
            call.result = state == .succeeded ? .success(id: nil, output: []) : .failure(id: nil, .failed, "no")
            return call
        }
        try store.recordSync([
            sync("old", "f", .failed, at: 100),
            sync("f1", "f", .succeeded, at: 1000), sync("f2", "f", .failed, at: 1001), sync("f3", "f", .succeeded, at: 1002),
            sync("g1", "g", .timedOut, at: 1003, caller: "k2"),
            sync("h1", "h", .succeeded, at: 200),
        ])
        let all = try store.summary(since: 500, function: nil, caller: nil, recent: 3)
        XCTAssertEqual(all.map(\.function), ["f", "g"], "h has none in the window")
        XCTAssertEqual(all[0].counts, [.succeeded: 2, .failed: 1], "the call before the window is not counted")
        XCTAssertEqual(all[0].total, 3)
        XCTAssertEqual(all[0].recent.map(\.submittedAt), [1002, 1001, 1000], "newest first, at most 3")
        XCTAssertEqual(all[1].recent, [.init(state: .timedOut, submittedAt: 1003)])
        let json = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(HTTPResponse.json(status: .ok, all[1].view).body)) as? [String: Any])
        XCTAssertEqual(json["last_state"] as? String, "timed_out")
        XCTAssertEqual(json["states"] as? [String: Int], ["timed_out": 1])
        // The latest go beyond the window: the old failure is f's fourth most recent.
        XCTAssertEqual(try store.summary(since: 500, function: "f", caller: nil, recent: 10).first?.recent.last?.submittedAt, 100)
        XCTAssertEqual(try store.summary(since: 0, function: nil, caller: "k2", recent: 10).map(\.function), ["g"], "a caller sees its own")
        XCTAssertTrue(try store.summary(since: 2000, function: nil, caller: nil, recent: 10).isEmpty)
    }

    func testCallbacksAreLeasedAndRecorded() throws {
        let store = try open()
        var withCallback = record("a")
        withCallback.callbackURL = "http://127.0.0.1:9/x"
        _ = try store.submit(withCallback)
        _ = try store.claim(limit: 1, now: 10)
        XCTAssertTrue(try store.claimCallbacks(now: InvocationStore.now(), limit: 5, lease: 60).isEmpty, "not before it finishes")
        _ = try store.finish(id: "a", state: .succeeded, result: .success(id: nil, output: []), duration: 0, now: 100)
        XCTAssertEqual(try store.claimCallbacks(now: 100, limit: 5, lease: 60).map(\.id), ["a"])
        XCTAssertTrue(try store.claimCallbacks(now: 101, limit: 5, lease: 60).isEmpty, "leased")
        XCTAssertEqual(try store.claimCallbacks(now: 161, limit: 5, lease: 60).map(\.id), ["a"], "a lost delivery comes back")
        try store.callbackAttempted(id: "a", state: "delivered", nextAt: 161, error: nil)
        let after = try XCTUnwrap(try store.get(id: "a"))
        XCTAssertEqual(after.callbackState, "delivered")
        XCTAssertEqual(after.callbackAttempts, 1)
        XCTAssertTrue(try store.claimCallbacks(now: 1000, limit: 5, lease: 60).isEmpty)
    }
}

final class InvocationPolicyTests: XCTestCase {
    func testRetryPolicy() {
        let infra = ResultMessage.failure(id: nil, .noWorker, "gone")
        XCTAssertEqual(RetryPolicy.decide(infra, attempts: 1, maxRetries: 2, retryFailures: false), .retry(after: 0.5))
        XCTAssertEqual(RetryPolicy.decide(infra, attempts: 2, maxRetries: 2, retryFailures: false), .retry(after: 1))
        XCTAssertEqual(RetryPolicy.decide(infra, attempts: 3, maxRetries: 2, retryFailures: false), .final(.failed))
        let failed = ResultMessage.failure(id: nil, .failed, "exit 1")
        XCTAssertEqual(RetryPolicy.decide(failed, attempts: 1, maxRetries: 5, retryFailures: false), .final(.failed))
        XCTAssertEqual(RetryPolicy.decide(failed, attempts: 1, maxRetries: 5, retryFailures: true), .retry(after: 0.5))
        XCTAssertEqual(RetryPolicy.decide(.failure(id: nil, .timeout, "slow"), attempts: 1, maxRetries: 5, retryFailures: false), .final(.timedOut))
        XCTAssertEqual(RetryPolicy.decide(.failure(id: nil, .notFound, "gone"), attempts: 1, maxRetries: 5, retryFailures: true), .final(.failed))
        XCTAssertEqual(RetryPolicy.decide(.success(id: nil, output: []), attempts: 1, maxRetries: 0, retryFailures: false), .final(.succeeded))
        XCTAssertEqual(RetryPolicy.backoff(attempt: 30), 60)
    }

    func testCallbackPolicyRefusesInternalRangesUnlessListed() throws {
        let strict = try CallbackPolicy(allowList: "")
        for address in ["127.0.0.1", "10.1.2.3", "172.16.0.1", "192.168.1.1", "169.254.169.254", "0.0.0.0", "100.64.0.1"] {
            XCTAssertFalse(strict.allows(host: address, address: CallbackPolicy.parseIPv4(address)!), address)
        }
        XCTAssertTrue(strict.allows(host: "93.184.216.34", address: CallbackPolicy.parseIPv4("93.184.216.34")!))
        let listed = try CallbackPolicy(allowList: "127.0.0.1/32, hooks.internal")
        XCTAssertTrue(listed.allows(host: "127.0.0.1", address: CallbackPolicy.parseIPv4("127.0.0.1")!))
        XCTAssertFalse(listed.allows(host: "127.0.0.2", address: CallbackPolicy.parseIPv4("127.0.0.2")!))
        XCTAssertTrue(listed.allows(host: "hooks.internal", address: CallbackPolicy.parseIPv4("10.0.0.5")!))
        XCTAssertThrowsError(try CallbackPolicy(allowList: "10.0.0.0/33"))
        XCTAssertThrowsError(try CallbackPolicy(allowList: "a b"))
        XCTAssertNil(CallbackPolicy.parseIPv4("1.2.3"))
        XCTAssertNil(CallbackPolicy.parseIPv4("1.2.3.256"))
    }

    func testCallbackURLParsing() throws {
        let url = try XCTUnwrap(CallbackURL("http://Example.com:8081/hook?x=1#frag"))
        XCTAssertEqual(url.host, "example.com")
        XCTAssertEqual(url.port, 8081)
        XCTAssertEqual(url.target, "/hook?x=1")
        XCTAssertEqual(CallbackURL("http://h")?.target, "/")
        XCTAssertEqual(CallbackURL("http://h")?.port, 80)
        for bad in ["https://h/", "ftp://h", "http://", "http://u@h/", "http://h:0/", "http://h:99999/", "http://[::1]/", "http://h/ x"] {
            XCTAssertNil(CallbackURL(bad), bad)
        }
    }
}
