import Foundation
import Glibc
import XCTest

/// `GET /function/N/logs?tail&since&follow`: refusals, the JSON lines, a follow stream that
/// ends (and is freed) when its client leaves, logs surviving a restart and going with their
/// function. The lines themselves come from the results' `log` (what a function wrote to
/// stderr or printed while handling), which the worker fills (branch `conventions`).
final class FunctionLogsTests: OwnSuiteTestCase {
    private func followers(_ suite: FaaSSuite) throws -> Int? {
        let text = try suite.request("GET", "/metrics").text
        guard let line = text.split(separator: "\n").first(where: { $0.hasPrefix("faas_log_followers ") }) else { return nil }
        return Int(line.split(separator: " ")[1])
    }

    private func entries(_ response: HTTPResult) throws -> [[String: Any]] {
        try response.text.split(separator: "\n").map { try XCTUnwrap(try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]) }
    }

    func testRefusalsAndAnEmptyLog() throws {
        let suite = try FaaSSuite(name: "logs-api", options: workers(1))
        self.suite = suite
        let name = "quiet"
        _ = try suite.deployOK(name, "python", source: "print('quiet')\n")
        XCTAssertEqual(try suite.request("GET", "/function/nosuch/logs").status, 404)
        for query in ["tail=0", "tail=abc", "tail=10001", "since=yesterday", "follow=maybe", "other=1"] {
            let response = try suite.request("GET", "/function/\(name)/logs?\(query)")
            XCTAssertEqual(response.status, 400, "\(query): \(response)")
            XCTAssertEqual(try response.json()["ok"] as? Bool, false, query)
        }
        XCTAssertEqual(try suite.request("GET", "/function/\(name)/logs", authorized: false).status, 401, "read scope")
        XCTAssertEqual(try suite.request("POST", "/function/\(name)/logs").status, 405)
        _ = try suite.invokeText(name, "")
        let empty = try suite.request("GET", "/function/\(name)/logs?tail=5&since=2020-01-01T00:00:00Z")
        XCTAssertEqual(empty.status, 200, "\(empty)")
        XCTAssertEqual(empty.header("content-type"), "application/x-ndjson")
        XCTAssertEqual(empty.text, "", "a function that logged nothing has an empty log (stdout is its output)")
    }

    func testFollowStreamsChunkedAndIsFreedWhenTheClientLeaves() throws {
        let suite = try FaaSSuite(name: "logs-follow", options: workers(1))
        self.suite = suite
        _ = try suite.deployOK("followed", "python", source: "print('x')\n")
        XCTAssertEqual(try followers(suite), 0)
        var connections: [HTTPConnection] = []
        for _ in 0..<3 {
            let connection = try HTTPConnection(port: suite.port, timeout: 20)
            try connection.sendRequest("GET", "/function/followed/logs?follow=1&tail=10")
            let head = try connection.readStreamHead()
            XCTAssertEqual(head.status, 200)
            XCTAssertEqual(head.headers["transfer-encoding"], "chunked")
            XCTAssertEqual(head.headers["content-type"], "application/x-ndjson")
            XCTAssertNil(head.headers["content-length"])
            connections.append(connection)
        }
        try suite.waitFor("three followers") { (try? followers(suite)) == 3 }
        // Other requests go on meanwhile.
        XCTAssertEqual(try suite.invokeText("followed", ""), "x\n")
        // A client that leaves frees its stream (and its poll timer) without any line written.
        connections.removeFirst().close()
        try suite.waitFor("two followers") { (try? followers(suite)) == 2 }
        for connection in connections { connection.close() }
        connections = []
        try suite.waitFor("no followers") { (try? followers(suite)) == 0 }
        // Lines another gateway sharing the functions folder appends reach a follower too (it
        // polls the file), after the tail it asked for; the stream ends with its function.
        let path = "\(suite.functionsDirectory)/.logs/followed.log"
        func appendLine(_ text: String) throws {
            let line = #"{"time":"2026-11-28T10:00:00.000Z","request_id":"other-gw","version":1,"stream":"stderr","line":"\#(text)"}"# + "\n"
            let fd = open(path, O_WRONLY | O_CREAT | O_APPEND, 0o600)
            XCTAssertGreaterThanOrEqual(fd, 0, "open \(path)")
            _ = line.withCString { write(fd, $0, strlen($0)) }
            Glibc.close(fd)
        }
        try appendLine("before")
        let follower = try HTTPConnection(port: suite.port, timeout: 20)
        try follower.sendRequest("GET", "/function/followed/logs?follow=1&tail=1")
        XCTAssertEqual(try follower.readStreamHead().status, 200)
        XCTAssertTrue(String(decoding: try XCTUnwrap(try follower.readChunk()), as: UTF8.self).contains(#""line":"before""#))
        try appendLine("after")
        let next = String(decoding: try XCTUnwrap(try follower.readChunk()), as: UTF8.self)
        XCTAssertTrue(next.contains(#""line":"after""#), next)
        XCTAssertEqual(try entries(try suite.request("GET", "/function/followed/logs")).map { $0["line"] as? String }, ["before", "after"])
        XCTAssertEqual(try suite.request("DELETE", "/function/followed").status, 200)
        XCTAssertNil(try follower.readChunk(), "the stream ends with its function")
        try suite.waitFor("the log removed with its function") { !FileManager.default.fileExists(atPath: path) }
        try suite.waitFor("no followers") { (try? followers(suite)) == 0 }
        _ = try suite.deployOK("followed", "python", source: "print('x')\n")

        // A stream open at shutdown does not hold the gateway for its grace period.
        let connection = try HTTPConnection(port: suite.port, timeout: 20)
        try connection.sendRequest("GET", "/function/followed/logs?follow=1")
        XCTAssertEqual(try connection.readStreamHead().status, 200)
        let started = Date()
        let statuses = suite.stop(removeFiles: false)
        XCTAssertEqual(statuses["gateway"] ?? nil, 0, "the gateway stops cleanly with a follower open")
        XCTAssertLessThan(Date().timeIntervalSince(started), 8)
        XCTAssertNil(try connection.readChunk(), "the stream was ended with its last chunk")
    }

    /// Needs branch `conventions` (the worker fills `ResultMessage.log` with a script's stderr).
    func testStderrGoesToTheLogNotTheOutputAndFollowDeliversIt() throws {
        let suite = try FaaSSuite(name: "logs-lines", options: workers(1))
        self.suite = suite
        let name = "noisy"
        _ = try suite.deployOK(name, "python", source: "import sys\npayload = sys.stdin.read()\nsys.stderr.write('to-log ' + payload + '\\n')\nprint('out ' + payload)\n")
        let requestID = "logs-\(UUID().uuidString.prefix(8))"
        let response = try suite.request("POST", "/invoke?fn=\(name)", body: Data("one".utf8), headers: [("X-Request-Id", requestID)])
        XCTAssertEqual(response.status, 200, "\(response)")
        XCTAssertEqual(try response.json()["output"] as? String, "out one\n", "stderr is not in the output")

        var lines: [[String: Any]] = []
        try suite.waitFor("the line in the function's log") {
            lines = (try? entries(try suite.request("GET", "/function/\(name)/logs?tail=10"))) ?? []
            return !lines.isEmpty
        }
        XCTAssertEqual(lines.count, 1, "\(lines)")
        XCTAssertEqual(lines.first?["line"] as? String, "to-log one")
        XCTAssertEqual(lines.first?["stream"] as? String, "stderr")
        XCTAssertEqual(lines.first?["request_id"] as? String, requestID)
        XCTAssertEqual(lines.first?["version"] as? Int, 1)
        let time = try XCTUnwrap(lines.first?["time"] as? String)
        XCTAssertNotNil(ISO8601DateFormatter().date(from: time.replacingOccurrences(of: #"\.\d{3}Z$"#, with: "Z", options: .regularExpression)), time)

        // Follow: a line written after the stream started arrives on it; /fn/ calls log too.
        let connection = try HTTPConnection(port: suite.port, timeout: 30)
        try connection.sendRequest("GET", "/function/\(name)/logs?follow=1&tail=1")
        XCTAssertEqual(try connection.readStreamHead().status, 200)
        let first = String(decoding: try XCTUnwrap(try connection.readChunk()), as: UTF8.self)
        XCTAssertTrue(first.contains("to-log one"), first)
        XCTAssertEqual(try suite.request("POST", "/fn/\(name)", body: Data("two".utf8)).text, "out two\n")
        let next = String(decoding: try XCTUnwrap(try connection.readChunk()), as: UTF8.self)
        XCTAssertTrue(next.contains("to-log two"), next)
        connection.close()

        // `since` filters; the log survives a restart of the gateway; it goes with its function.
        let later = try suite.request("GET", "/function/\(name)/logs?since=\(time.queryEncoded)")
        XCTAssertEqual(try entries(later).count, 2, "\(later)")
        XCTAssertEqual(try entries(try suite.request("GET", "/function/\(name)/logs?since=2999-01-01T00:00:00Z")).count, 0)
        suite.kill9(suite.gateway)
        try suite.launchGateway()
        XCTAssertEqual(try entries(try suite.request("GET", "/function/\(name)/logs")).map { $0["line"] as? String }, ["to-log one", "to-log two"])
        XCTAssertEqual(try suite.request("DELETE", "/function/\(name)").status, 200)
        try suite.waitFor("the log removed with its function") {
            !FileManager.default.fileExists(atPath: "\(suite.functionsDirectory)/.logs/\(name).log")
        }
        XCTAssertEqual(try suite.request("GET", "/function/\(name)/logs").status, 404)
    }
}
