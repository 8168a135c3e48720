import FaaSSystem
import Foundation
import XCTest
@testable import FaaSGateway

/// Function logs on disk: the stored JSON lines, append, rotation at the size limit, tail with
/// `since`, and a follower's reads across a rotation.
final class FunctionLogStoreTests: XCTestCase {
    private var directory = ""

    override func setUp() {
        directory = NSTemporaryDirectory() + "faas-logs-\(UUID().uuidString.prefix(8))"
    }

    override func tearDown() {
        try? FileManager.default.removeItem(atPath: directory)
    }

    private func lines(_ bytes: [UInt8]) throws -> [[String: Any]] {
        try String(decoding: bytes, as: UTF8.self).split(separator: "\n").map {
            try XCTUnwrap(try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])
        }
    }

    func testEntriesCarryTimeRequestVersionStreamAndLine() throws {
        let encoded = FunctionLogEntries.encode("stdout hello\nstderr oops \"quoted\"\nstdout\nweird line\n", time: "2026-11-28T10:00:00.123Z",
                                                requestID: "req-1", version: 3)
        let entries = try lines(encoded)
        XCTAssertEqual(entries.count, 4)
        XCTAssertEqual(entries[0]["time"] as? String, "2026-11-28T10:00:00.123Z")
        XCTAssertEqual(entries[0]["request_id"] as? String, "req-1")
        XCTAssertEqual(entries[0]["version"] as? Int, 3)
        XCTAssertEqual(entries.map { $0["stream"] as? String }, ["stdout", "stderr", "stdout", "stderr"])
        XCTAssertEqual(entries.map { $0["line"] as? String }, ["hello", "oops \"quoted\"", "", "weird line"])
        XCTAssertEqual(FunctionLogEntries.encode("", time: "2026-11-28T10:00:00.123Z", requestID: "r", version: 1), [])
    }

    func testOneCallsLogIsBounded() {
        XCTAssertEqual(FunctionLogEntries.bounded("stderr a\n", maxBytes: 100), "stderr a\n")
        let big = String(repeating: "stderr 0123456789\n", count: 100)
        let bounded = FunctionLogEntries.bounded(big, maxBytes: 100)
        XCTAssertLessThan(bounded.utf8.count, 200)
        let lines = bounded.split(separator: "\n")
        XCTAssertEqual(lines.dropLast().count, 100 / 18, "whole lines only")
        XCTAssertTrue(lines.dropLast().allSatisfy { $0 == "stderr 0123456789" })
        XCTAssertEqual(lines.last, "stderr [gateway] \(big.utf8.count - 90) more bytes of this call's log were dropped (limit 100 per call)")
    }

    func testTimesParseToTheStoredForm() {
        XCTAssertEqual(LogTime.parse("2026-11-28T10:00:00Z"), "2026-11-28T10:00:00.000Z")
        XCTAssertEqual(LogTime.parse("2026-11-28T10:00:00.5Z"), "2026-11-28T10:00:00.500Z")
        XCTAssertEqual(LogTime.parse("2026-11-28T11:00:00+01:00"), "2026-11-28T10:00:00.000Z")
        XCTAssertEqual(LogTime.parse("0"), "1970-01-01T00:00:00.000Z")
        XCTAssertNil(LogTime.parse("yesterday"))
        XCTAssertNil(LogTime.parse("2026-13-40T10:00:00Z"))
        XCTAssertEqual(UTCTimestamp.now().count, 24)
    }

    func testAppendTailAndSince() throws {
        let store = try FunctionLogStore(directory: directory, maxBytes: 1 << 20)
        XCTAssertEqual(try store.tail("f", count: 10, since: nil), [], "no log yet: empty")
        for (index, time) in ["2026-11-28T10:00:00.000Z", "2026-11-28T10:00:01.000Z", "2026-11-28T10:00:02.000Z"].enumerated() {
            try store.append("f", FunctionLogEntries.encode("stdout line \(index)\n", time: time, requestID: "r\(index)", version: 1))
        }
        XCTAssertEqual(try lines(try store.tail("f", count: 10, since: nil)).map { $0["line"] as? String }, ["line 0", "line 1", "line 2"])
        XCTAssertEqual(try lines(try store.tail("f", count: 2, since: nil)).map { $0["line"] as? String }, ["line 1", "line 2"])
        XCTAssertEqual(try lines(try store.tail("f", count: 10, since: "2026-11-28T10:00:01.000Z")).map { $0["line"] as? String }, ["line 1", "line 2"])
        XCTAssertEqual(try store.tail("other", count: 10, since: nil), [], "logs are per function")
        // Owner-only: another user of the machine cannot read what functions logged.
        let attributes = try FileManager.default.attributesOfItem(atPath: store.path("f"))
        XCTAssertEqual((attributes[.posixPermissions] as? NSNumber)?.intValue, 0o600)
        store.delete("f")
        XCTAssertEqual(try store.tail("f", count: 10, since: nil), [])
    }

    func testRotationBoundsTheLogAndKeepsTheNewestLines() throws {
        let store = try FunctionLogStore(directory: directory, maxBytes: 4096)
        let entry = { (index: Int) in FunctionLogEntries.encode("stderr \(String(repeating: "x", count: 100)) \(index)\n",
                                                              time: "2026-11-28T10:00:00.000Z", requestID: "r", version: 1) }
        for index in 0..<500 { try store.append("f", entry(index)) }
        let files = try FileManager.default.contentsOfDirectory(atPath: directory).sorted()
        XCTAssertEqual(files, ["f.log", "f.log.1"])
        var total = 0
        for file in files { total += (try FileManager.default.attributesOfItem(atPath: "\(directory)/\(file)")[.size] as? NSNumber)?.intValue ?? 0 }
        XCTAssertLessThan(total, 2 * 4096 + 200, "at most two files of about the limit each")
        let kept = try lines(try store.tail("f", count: 10_000, since: nil))
        XCTAssertGreaterThan(kept.count, 20)
        XCTAssertEqual((kept.last?["line"] as? String)?.hasSuffix(" 499"), true, "the newest line is kept")
        let numbers = kept.compactMap { ($0["line"] as? String)?.split(separator: " ").last.flatMap { Int($0) } }
        XCTAssertEqual(numbers, Array((500 - numbers.count)..<500), "the newest lines, in order, none missing")
    }

    func testFollowerReadsNewLinesAcrossARotation() throws {
        let store = try FunctionLogStore(directory: directory, maxBytes: 4096)
        var position = store.end("f")
        XCTAssertEqual(try store.read("f", from: position).lines, [], "nothing before the first line")
        var seen: [Int] = []
        for index in 0..<200 {
            try store.append("f", FunctionLogEntries.encode("stdout \(String(repeating: "y", count: 60)) \(index)\n", time: "2026-11-28T10:00:00.000Z",
                                                            requestID: "r", version: 1))
            if index % 7 == 0 {
                let read = try store.read("f", from: position)
                position = read.position
                seen += try lines(read.lines).compactMap { ($0["line"] as? String)?.split(separator: " ").last.flatMap { Int($0) } }
            }
        }
        let read = try store.read("f", from: position)
        seen += try lines(read.lines).compactMap { ($0["line"] as? String)?.split(separator: " ").last.flatMap { Int($0) } }
        XCTAssertEqual(seen, Array(0..<200), "every line once, in order, though the file rotated several times")
    }
}
