import Foundation
import Glibc
import XCTest

// Fault injection against the real daemons, over real HTTP and sockets: hostile HTTP clients,
// hostile functions (Python, JavaScript, C), crashes in the middle of a deploy, full restarts
// on the same functions folder, hung workers, a load balancer killed under load, stale and
// contested socket files. Brief, "Safety": bad input at any interface gets a clear error and
// never takes a daemon down or loses a stored function.

// MARK: - hostile HTTP clients

/// Clients that break HTTP/1.1 on purpose, on a suite with short limits: a 1 s read timeout,
/// a 2 s idle timeout and at most 20 open connections.
final class FaultHTTPTests: SuiteTestCase {
    override class var suiteOptions: FaaSSuite.Options {
        var options = FaaSSuite.Options()
        options.workers = 2
        options.environment = ["FAAS_READ_TIMEOUT": "1", "FAAS_IDLE_TIMEOUT": "2", "FAAS_MAX_CONNECTIONS": "20"]
        return options
    }

    private nonisolated(unsafe) static var deployedCanaries: [Canary]?

    /// Functions deployed before the first test of the class; the last test checks them.
    private var canaries: [Canary] { Self.deployedCanaries ?? [] }

    override func setUpWithError() throws {
        try super.setUpWithError()
        if Self.deployedCanaries == nil { Self.deployedCanaries = try suite.deployCanaries(tag: "http") }
    }

    /// Sends `raw` on a fresh connection and expects exactly one error response with `status`
    /// (a JSON error body), then the connection closed by the gateway.
    private func expectRejected(_ raw: String, status: Int, _ label: String, file: StaticString = #filePath, line: UInt = #line) throws {
        let client = try RawClient(port: try suite.port)
        client.send(raw)
        let (bytes, closed) = client.readUntilClosed(timeout: 6)
        let text = String(decoding: bytes.prefix(400), as: UTF8.self)
        guard let response = RawResponse(bytes) else {
            return XCTFail("\(label): expected \(status), got \(text.debugDescription) (closed: \(closed))", file: file, line: line)
        }
        XCTAssertEqual(response.status, status, "\(label): \(response)", file: file, line: line)
        XCTAssertEqual(response.json()?["ok"] as? Bool, false, "\(label): a JSON error body: \(response)", file: file, line: line)
        XCTAssertTrue(closed, "\(label): the gateway closes the connection after the error", file: file, line: line)
        let responses = String(decoding: bytes, as: UTF8.self).components(separatedBy: "HTTP/1.1 ").count - 1
        XCTAssertEqual(responses, 1, "\(label): exactly one response (nothing smuggled behind it): \(text.debugDescription)", file: file, line: line)
    }

    func testOversizedHeaderIs431AndTheGatewayStillServes() throws {
        let suite = try suite
        let oneBig = "GET /health HTTP/1.1\r\nHost: x\r\n\(authLine)X-Big: " + String(repeating: "a", count: 17 * 1024) + "\r\n\r\n"
        try expectRejected(oneBig, status: 431, "one 17 KiB header")
        var many = "GET /health HTTP/1.1\r\nHost: x\r\n\(authLine)"
        for index in 0..<400 { many += "X-Filler-\(index): " + String(repeating: "b", count: 40) + "\r\n" }
        many += "\r\n"
        XCTAssertGreaterThan(many.utf8.count, 16 * 1024)
        try expectRejected(many, status: 431, "400 headers, 22 KiB in all")
        XCTAssertEqual(try suite.request("GET", "/health").status, 200)
        suite.checkCanaries(Array(canaries.prefix(1)), rounds: 2, "after the 431s")
    }

    func testConflictingContentLengthsAre400() throws {
        let suite = try suite
        let fn = try XCTUnwrap(canaries.first).id
        try expectRejected("POST /invoke?fn=\(fn) HTTP/1.1\r\nHost: x\r\n\(authLine)Content-Length: 5\r\nContent-Length: 6\r\n\r\nhello!", status: 400,
                           "two Content-Length headers")
        try expectRejected("POST /invoke?fn=\(fn) HTTP/1.1\r\nHost: x\r\n\(authLine)Content-Length: 5, 6\r\n\r\nhello!", status: 400,
                           "a Content-Length list with two values")
        // The classic smuggling shape: a front end taking the first length would see a second
        // request in the body.
        let smuggled = "GET /health HTTP/1.1\r\nHost: x\r\n\(authLine)\r\n"
        try expectRejected("POST /invoke?fn=\(fn) HTTP/1.1\r\nHost: x\r\n\(authLine)Content-Length: 0\r\nContent-Length: \(smuggled.utf8.count)\r\n\r\n\(smuggled)",
                           status: 400, "Content-Length 0 then a smuggled request")
        XCTAssertEqual(try suite.request("GET", "/health").status, 200)
    }

    func testContentLengthWithTransferEncodingIs400() throws {
        let fn = try XCTUnwrap(canaries.first).id
        try expectRejected("POST /invoke?fn=\(fn) HTTP/1.1\r\nHost: x\r\n\(authLine)Content-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n",
                           status: 400, "Content-Length then Transfer-Encoding")
        try expectRejected("POST /invoke?fn=\(fn) HTTP/1.1\r\nHost: x\r\n\(authLine)Transfer-Encoding: chunked\r\nContent-Length: 30\r\n\r\n5\r\nhello\r\n0\r\n\r\n",
                           status: 400, "Transfer-Encoding then Content-Length")
        XCTAssertEqual(try suite.request("GET", "/health").status, 200)
    }

    func testBrokenChunkedEncodingIs400() throws {
        let fn = try XCTUnwrap(canaries.first).id
        let head = "POST /invoke?fn=\(fn) HTTP/1.1\r\nHost: x\r\n\(authLine)Transfer-Encoding: chunked\r\n\r\n"
        let broken: [(String, String)] = [
            ("non-hex size", "zz\r\nhello\r\n0\r\n\r\n"),
            ("0x prefix", "0x5\r\nhello\r\n0\r\n\r\n"),
            ("negative size", "-5\r\nhello\r\n0\r\n\r\n"),
            ("size with a space before it", " 5\r\nhello\r\n0\r\n\r\n"),
            ("missing CRLF after the data", "5\r\nhelloXX0\r\n\r\n"),
            ("data longer than its size", "3\r\nhello\r\n0\r\n\r\n"),
        ]
        for (label, body) in broken {
            try expectRejected(head + body, status: 400, "chunked: \(label)")
        }
        try suite.checkCanaries(Array(canaries.prefix(1)), rounds: 1, "after broken chunked bodies")
    }

    func testStalledRequestGets408AndIsClosed() throws {
        let suite = try suite
        let fn = try XCTUnwrap(canaries.first).id
        let halfHead = try RawClient(port: suite.port)
        let halfBody = try RawClient(port: suite.port)
        let started = Date()
        halfHead.send("POST /invoke?fn=\(fn) HTTP/1.1\r\nHost: x\r\n\(authLine)Content-Le")
        halfBody.send("POST /invoke?fn=\(fn) HTTP/1.1\r\nHost: x\r\n\(authLine)Content-Length: 100\r\n\r\nonly 17 bytes...")
        for (label, client) in [("half a head", halfHead), ("half a body", halfBody)] {
            let (bytes, closed) = client.readUntilClosed(timeout: 8)
            let elapsed = secondsSince(started)
            let response = RawResponse(bytes)
            XCTAssertEqual(response?.status, 408, "\(label): \(response?.description ?? String(decoding: bytes, as: UTF8.self).debugDescription)")
            XCTAssertTrue(closed, "\(label): the connection is closed after the 408")
            XCTAssertGreaterThanOrEqual(elapsed, 0.9, "\(label): not before the 1 s read timeout")
            XCTAssertLessThan(elapsed, 4, "\(label): soon after the 1 s read timeout")
        }
        XCTAssertEqual(try suite.request("GET", "/health").status, 200)
    }

    /// Slowloris: one byte every 200 ms never completes a request; the read timeout counts from
    /// the request's first byte, so trickling does not keep the connection.
    func testTricklingClientIsCutOffAfterTheReadTimeout() throws {
        let suite = try suite
        let client = try RawClient(port: suite.port)
        let request = Array(("GET /health HTTP/1.1\r\nHost: x\r\n\(authLine)X-Slow: " + String(repeating: "s", count: 200) + "\r\n\r\n").utf8)
        let started = Date()
        var sent = 0
        var answer: (bytes: [UInt8], closed: Bool) = ([], false)
        while secondsSince(started) < 8 {
            if sent < request.count { sent += client.send([request[sent]], timeout: 1) }
            if client.readable(within: 0.2) {
                answer = client.readUntilClosed(timeout: 3)
                break
            }
        }
        let elapsed = secondsSince(started)
        XCTAssertEqual(RawResponse(answer.bytes)?.status, 408, "a trickling client gets 408: \(String(decoding: answer.bytes, as: UTF8.self).debugDescription)")
        XCTAssertTrue(answer.closed, "and is disconnected")
        XCTAssertLessThan(elapsed, 4, "cut off after the read timeout, not kept while it trickles")
        XCTAssertLessThan(sent, request.count, "the trickled request never completed")
    }

    func testIdleKeepAliveConnectionIsClosedAfterTheIdleTimeout() throws {
        let suite = try suite
        let client = try RawClient(port: suite.port)
        client.send("GET /health HTTP/1.1\r\nHost: x\r\n\(authLine)\r\n")
        XCTAssertEqual(client.readResponse(timeout: 5)?.status, 200)
        // Activity restarts the idle clock: a second request after 1.2 s still works.
        usleep(1_200_000)
        client.send("GET /health HTTP/1.1\r\nHost: x\r\n\(authLine)\r\n")
        let second = client.readResponse(timeout: 5)
        XCTAssertEqual(second?.status, 200, "the connection is kept while in use: \(second?.description ?? "no answer")")
        let answered = Date()
        let (bytes, closed) = client.readUntilClosed(timeout: 8)
        let idle = secondsSince(answered)
        XCTAssertTrue(closed, "an idle keep-alive connection is closed (FAAS_IDLE_TIMEOUT=2)")
        XCTAssertTrue(bytes.isEmpty, "closed silently, no response to a request nobody sent: \(String(decoding: bytes, as: UTF8.self).debugDescription)")
        XCTAssertGreaterThanOrEqual(idle, 1.8, "not before the idle timeout")
        XCTAssertLessThan(idle, 4.5, "soon after the idle timeout")
    }

    func testConnectionLimitRefusesTheExtraConnectionsWith503() throws {
        let suite = try suite
        try suite.waitFor("no other client connection", timeout: 10) { suite.openConnections() == 1 }
        var clients: [RawClient] = []
        for _ in 0..<40 { clients.append(try RawClient(port: suite.port)) }
        // The refused ones hear at once; the accepted ones stay silent (until the 2 s idle timeout).
        let started = Date()
        var answered: [Int] = []
        while secondsSince(started) < 1.2 {
            answered = clients.indices.filter { clients[$0].readable(within: 0) }
            if answered.count >= 20 { break }
            usleep(50_000)
        }
        XCTAssertEqual(answered.count, 20, "40 connections with FAAS_MAX_CONNECTIONS=20: 20 are refused")
        var refusals: [String] = []
        for index in answered {
            let (bytes, closed) = clients[index].readUntilClosed(timeout: 3)
            let response = RawResponse(bytes)
            refusals.append(response.map { "\($0.status)" } ?? "no response (\(bytes.count) bytes)")
            XCTAssertTrue(closed, "connection \(index): closed after the refusal")
        }
        XCTAssertEqual(refusals.filter { $0 == "503" }.count, answered.count, "each refused connection gets a 503 response before the close: \(refusals)")
        for client in clients { client.close() }
        try suite.waitFor("a normal request to work again", timeout: 5) { (try? suite.request("GET", "/health", timeout: 2))?.status == 200 }
        suite.checkCanaries(Array(canaries.prefix(1)), rounds: 2, "after the connection limit was hit")
    }

    func testPipelinedInvokesThatAreNeverReadDoNotHurtOtherClients() throws {
        let suite = try suite
        let canary = try XCTUnwrap(canaries.first)
        let flood = try RawClient(port: suite.port)
        let one = "POST /invoke?fn=\(canary.id) HTTP/1.1\r\nHost: x\r\n\(authLine)Content-Length: 5\r\n\r\nflood"
        let sent = flood.send(Array(String(repeating: one, count: 2000).utf8), timeout: 5)
        XCTAssertGreaterThan(sent, 0)
        // The flood never reads its answers; everyone else is served as usual meanwhile.
        for index in 0..<5 {
            let started = Date()
            XCTAssertEqual(try suite.invokeText(canary.id, "other\(index)"), "Hello, other\(index)\n")
            XCTAssertLessThan(secondsSince(started), 2, "another client's invoke while 2000 pipelined invokes are unread")
        }
        flood.close()
        let started = Date()
        XCTAssertEqual(try suite.invokeText(canary.id, "after"), "Hello, after\n")
        XCTAssertLessThan(secondsSince(started), 2)
        try suite.waitFor("the flooding connection to be dropped", timeout: 10) { suite.openConnections() == 1 }
        suite.assertDaemonsRunning("after a pipelined flood")
    }

    /// A client pipelining behind a slow request must be slowed down (the gateway stops reading),
    /// not buffered without bound: otherwise one connection can take the gateway's memory.
    func testPipelinedFloodBehindASlowRequestIsNotBufferedWithoutBound() throws {
        let suite = try suite
        let sleeper = try suite.deployOK(uniqueName("sleeper"), "python", source: "import time\ntime.sleep(4)\nprint('slept')\n", query: "&timeout=10")
        let gateway = try XCTUnwrap(suite.gateway?.processIdentifier)
        let before = try XCTUnwrap(ProcFS.residentKiB(gateway))
        let client = try RawClient(port: suite.port)
        client.send("POST /invoke?fn=\(sleeper) HTTP/1.1\r\nHost: x\r\n\(authLine)Content-Length: 0\r\n\r\n")
        let chunk = Array(String(repeating: "GET /health HTTP/1.1\r\nHost: x\r\n\(authLine)\r\n", count: 32 * 1024).utf8)
        var sent = 0
        let started = Date()
        while sent < 256 << 20 && secondsSince(started) < 3 {
            let n = client.send(chunk, timeout: 0.5)
            sent += n
            if n < chunk.count { break }   // the gateway stopped reading: back-pressure works
        }
        usleep(300_000)
        let after = ProcFS.residentKiB(gateway) ?? 0
        client.close()
        XCTAssertLessThan(after - before, 64 * 1024,
                          "gateway RSS went from \(before) KiB to \(after) KiB while one client pipelined \(sent >> 20) MiB behind a slow invoke without reading")
        suite.assertDaemonsRunning("after a pipelined memory flood")
        XCTAssertEqual(try suite.request("GET", "/health").status, 200)
    }

    func testHostileQueryParametersAre400() throws {
        let suite = try suite
        let values: [(String, String)] = [
            ("empty", ""),
            ("300 characters", String(repeating: "a", count: 300)),
            ("encoded slash", "a%2Fb"),
            ("raw slash", "a/b"),
            ("dot dot", ".."),
            ("dot dot slash", "..%2F..%2Fetc%2Fpasswd"),
            ("raw dot dot slash", "../../etc/passwd"),
            ("NUL", "%00"),
            ("NUL inside", "abc%00def"),
            ("non-ASCII", "%C3%A9t%C3%A9"),
            ("invalid UTF-8", "%FF%FE"),
            ("bad escape", "ab%zz"),
            ("CR LF", "a%0D%0AX-Injected:%201"),
        ]
        for (label, value) in values {
            for (what, target) in [("deploy name", "/deploy?name=\(value)&lang=python"), ("invoke fn", "/invoke?fn=\(value)")] {
                let response = try suite.request("POST", target, body: "print('planted')\n")
                XCTAssertEqual(response.status, 400, "\(what) \(label) (\(value.prefix(40))): \(response)")
                XCTAssertEqual((try? response.json())?["ok"] as? Bool, false, "\(what) \(label): a JSON error: \(response)")
            }
        }
        // Raw non-ASCII bytes in the request line.
        for target in ["/invoke?fn=\u{E9}t\u{E9}", "/deploy?name=\u{2603}&lang=python"] {
            let client = try RawClient(port: suite.port)
            client.send("POST \(target) HTTP/1.1\r\nHost: x\r\n\(authLine)Content-Length: 8\r\n\r\nprint(1)")
            let response = client.readResponse(timeout: 5)
            XCTAssertEqual(response?.status, 400, "raw bytes in \(target.debugDescription): \(response?.description ?? "no answer")")
        }
        // Nothing was stored under a strange name, nor outside the functions folder.
        let stored = try FileManager.default.contentsOfDirectory(atPath: suite.functionsDirectory).filter { !$0.hasPrefix(".") }
        for entry in stored {
            XCTAssertNotNil(entry.range(of: #"^[A-Za-z0-9][A-Za-z0-9_-]*$"#, options: .regularExpression), "stored entry \(entry.debugDescription)")
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: suite.directory + "/etc"))
        XCTAssertEqual(try suite.request("GET", "/health").status, 200)
    }

    /// Runs last (XCTest orders a class's tests by name): everything deployed before the first
    /// test still answers right after all the hostile clients.
    func testZZSuiteStillServesAfterTheHostileClients() throws {
        let suite = try suite
        suite.assertDaemonsRunning("after the hostile HTTP clients")
        XCTAssertEqual(try suite.request("GET", "/health").status, 200)
        XCTAssertEqual(canaries.count, 3)
        suite.checkCanaries(canaries, rounds: 2, "after the hostile HTTP clients")
    }
}

// MARK: - hostile functions

/// Functions that attack the platform from inside: flood stdout, forge results, close their
/// stdio, crash, fork bomb, try to kill the daemons, read other functions, reach the network.
final class FaultFunctionTests: SuiteTestCase {
    override class var suiteOptions: FaaSSuite.Options {
        var options = FaaSSuite.Options()
        options.workers = 2
        return options
    }

    private nonisolated(unsafe) static var deployedCanaries: [Canary]?

    private var canaries: [Canary] { Self.deployedCanaries ?? [] }

    override func setUpWithError() throws {
        try super.setUpWithError()
        if Self.deployedCanaries == nil { Self.deployedCanaries = try suite.deployCanaries(tag: "fn") }
    }

    private func canary(_ language: String) throws -> Canary {
        try XCTUnwrap(canaries.first { $0.id.hasPrefix("canary-fn-\(language)_") }, "canary for \(language)")
    }

    /// A failed invocation: `status`, `ok:false`, and an error mentioning one of `fragments`.
    private func assertFailure(_ response: HTTPResult, status: Int, mentions fragments: [String], _ label: String,
                               file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(response.status, status, "\(label): \(response)", file: file, line: line)
        let object = try? response.json()
        XCTAssertEqual(object?["ok"] as? Bool, false, "\(label): \(response)", file: file, line: line)
        let error = (object?["error"] as? String ?? "") + (object?["details"] as? String ?? "")
        XCTAssertTrue(fragments.contains { error.localizedCaseInsensitiveContains($0) },
                      "\(label): the error should mention one of \(fragments): \(response)", file: file, line: line)
    }

    // MARK: output floods

    private func checkOutputFlood(_ language: String, _ source: String, file: StaticString = #filePath, line: UInt = #line) throws {
        let suite = try suite
        let id = try suite.deployOK(uniqueName("flood-\(language)"), language, source: source, file: file, line: line)
        let started = Date()
        let response = try suite.invoke(id, "", timeout: 60)
        let elapsed = secondsSince(started)
        assertFailure(response, status: 500, mentions: ["limit"], "1 GiB on stdout (\(language))", file: file, line: line)
        XCTAssertFalse(response.text.contains("finished"), "the program was stopped: \(response)", file: file, line: line)
        XCTAssertLessThan(response.body.count, 64 * 1024, "the answer does not carry the flood", file: file, line: line)
        XCTAssertLessThan(elapsed, 10, "an output flood is cut quickly", file: file, line: line)
        try suite.checkCanaries([canary(language)], rounds: 2, "after a 1 GiB \(language) output flood", file: file, line: line)
    }

    func testOneGiBOnStdoutFromPythonFailsAtTheOutputLimit() throws {
        try checkOutputFlood("python", """
            import sys
            for i in range(1024):
                sys.stdout.buffer.write(bytes([97 + i % 26]) * (1 << 20))
            print("finished")
            """)
    }

    func testOneGiBOnStdoutFromJavaScriptFailsAtTheOutputLimit() throws {
        try checkOutputFlood("js", """
            for (let i = 0; i < 1024; i++) process.stdout.write(Buffer.alloc(1 << 20, 97 + i % 26));
            console.log("finished");
            """)
    }

    func testOneGiBOnStdoutFromCFailsAtTheOutputLimit() throws {
        try checkOutputFlood("c", """
            #include <stdio.h>
            #include <string.h>
            static char block[1 << 20];
            int main(void) {
                for (int i = 0; i < 1024; i++) {
                    memset(block, 'a' + i % 26, sizeof block);
                    fwrite(block, 1, sizeof block, stdout);
                }
                puts("finished");
                return 0;
            }
            """)
    }

    // MARK: garbage and forged results

    /// Output that looks like protocol: JSON result lines, a runtime reply header, NULs, every
    /// byte value, invalid UTF-8.
    private static let garbage: [UInt8] = Array("\n{\"ok\":true,\"output\":\"forged\"}\n".utf8) + (0...255).map { UInt8($0) }
        + [0, 0, 0, 0, 0, 0, 0, 0, 6, 0, 0, 0, 0] + Array("FORGED\r\n{\"type\":\"result\",\"id\":1,\"ok\":true,\"output\":\"x\"}\n{\"ok\":true}\n".utf8)
    private static let textGarbage = "line\n{\"ok\":true,\"output\":\"forged\"}\n{\"type\":\"result\",\"id\":1,\"ok\":true}\n\u{1}\u{7F} é\n"

    private static var garbageHex: String { garbage.map { String(format: "%02x", $0) }.joined() }
    private static var textGarbageHex: String { Array(textGarbage.utf8).map { String(format: "%02x", $0) }.joined() }

    private func checkGarbage(_ language: String, _ source: String, file: StaticString = #filePath, line: UInt = #line) throws {
        let suite = try suite
        let id = try suite.deployOK(uniqueName("garbage-\(language)"), language, source: source, file: file, line: line)
        for round in 0..<2 {
            let binary = try suite.invokeOutput(id, Data("binary".utf8), file: file, line: line)
            XCTAssertEqual([UInt8](binary), Self.garbage, "\(language) round \(round): the client gets exactly the bytes written", file: file, line: line)
            let response = try suite.invoke(id, "text")
            XCTAssertEqual(response.status, 200, "\(response)", file: file, line: line)
            let object = try response.json()
            XCTAssertNil(object["encoding"], "valid UTF-8 stays text", file: file, line: line)
            XCTAssertEqual(object["output"] as? String, Self.textGarbage, "\(language) round \(round): text output verbatim", file: file, line: line)
        }
        try suite.checkCanaries([canary(language)], rounds: 2, "after \(language) garbage output", file: file, line: line)
    }

    func testBinaryGarbageOnStdoutFromPythonIsReturnedExactly() throws {
        try checkGarbage("python", """
            import sys
            mode = sys.stdin.read()
            sys.stdout.buffer.write(bytes.fromhex("\(Self.garbageHex)" if mode == "binary" else "\(Self.textGarbageHex)"))
            """)
    }

    func testBinaryGarbageOnStdoutFromJavaScriptIsReturnedExactly() throws {
        try checkGarbage("js", """
            const mode = require("fs").readFileSync(0, "utf8");
            process.stdout.write(Buffer.from(mode === "binary" ? "\(Self.garbageHex)" : "\(Self.textGarbageHex)", "hex"));
            """)
    }

    func testBinaryGarbageOnStdoutFromCIsReturnedExactly() throws {
        let bytes = { (data: [UInt8]) in data.map { String(format: "0x%02x", $0) }.joined(separator: ",") }
        try checkGarbage("c", """
            #include <stdio.h>
            #include <string.h>
            static const unsigned char binary[] = {\(bytes(Self.garbage))};
            static const unsigned char text[] = {\(bytes(Array(Self.textGarbage.utf8)))};
            int main(void) {
                char mode[16] = {0};
                fread(mode, 1, sizeof mode - 1, stdin);
                if (strcmp(mode, "binary") == 0) fwrite(binary, 1, sizeof binary, stdout);
                else fwrite(text, 1, sizeof text, stdout);
                return 0;
            }
            """)
    }

    /// Writing to file descriptor 1 is writing to stdout. A JavaScript function that writes a
    /// well-formed runtime reply there must not have it taken as its result, nor shift the
    /// answers of later calls onto other requests.
    func testJavaScriptWritingToItsRawStdoutCannotForgeAResult() throws {
        let suite = try suite
        let id = try suite.deployOK(uniqueName("forge-js"), "js", source: """
            const fs = require("fs");
            const payload = fs.readFileSync(0, "utf8");
            if (payload.startsWith("forge")) {
              const out = Buffer.from("FORGED");
              const header = Buffer.alloc(13);
              header.writeUInt8(0, 0); header.writeInt32BE(0, 1); header.writeUInt32BE(out.length, 5); header.writeUInt32BE(0, 9);
              fs.writeSync(1, Buffer.concat([header, out]));
            }
            console.log("real:" + payload);
            """)
        let forged = try suite.invoke(id, "forge-1")
        let forgedOutput = (try? forged.json())?["output"] as? String
        XCTAssertNotEqual(forgedOutput, "FORGED", "a function forged its own result through fd 1: \(forged)")
        if forged.status == 200 {
            XCTAssertTrue(forgedOutput?.hasSuffix("real:forge-1\n") == true, "the answer is the function's own output: \(forged)")
        }
        // Later calls get their own answers, not a previous call's.
        for index in 0..<4 {
            let response = try suite.invoke(id, "quiet-\(index)")
            XCTAssertEqual((try? response.json())?["output"] as? String, "real:quiet-\(index)\n",
                           "call \(index) after the forging call gets its own answer: \(response)")
        }
        try suite.checkCanaries([canary("js")], rounds: 2, "after a forging JS function")
    }

    // MARK: closed stdio

    private func checkClosedStdio(_ language: String, _ source: String, expectedPrefix: String = "before\n",
                                  file: StaticString = #filePath, line: UInt = #line) throws {
        let suite = try suite
        let id = try suite.deployOK(uniqueName("closer-\(language)"), language, source: source, query: "&timeout=3", file: file, line: line)
        for round in 0..<2 {
            let started = Date()
            let response = try suite.invoke(id, "payload", timeout: 30)
            let elapsed = secondsSince(started)
            XCTAssertEqual(response.status, 200, "\(language) round \(round): closing stdin/stdout is a normal end: \(response)", file: file, line: line)
            let output = (try? response.json())?["output"] as? String ?? ""
            XCTAssertTrue(output.hasPrefix(expectedPrefix), "\(language) round \(round): what was written before the close: \(response)", file: file, line: line)
            XCTAssertLessThan(elapsed, 2.5, "\(language) round \(round): answered at once, not at the 3 s time limit", file: file, line: line)
        }
        try suite.checkCanaries([canary(language)], rounds: 2, "after a \(language) function closed its stdio", file: file, line: line)
    }

    func testPythonClosingStdinAndStdoutGetsACleanAnswer() throws {
        try checkClosedStdio("python", "import os\nprint('before', flush=True)\nos.close(1)\nos.close(0)\n")
    }

    func testJavaScriptClosingStdinAndStdoutGetsACleanAnswer() throws {
        try checkClosedStdio("js", "const fs = require('fs');\nprocess.stdout.write('before\\n');\nfs.closeSync(1);\nfs.closeSync(0);\n")
    }

    func testCClosingStdinAndStdoutGetsACleanAnswer() throws {
        try checkClosedStdio("c", """
            #include <stdio.h>
            #include <unistd.h>
            int main(void) { printf("before\\n"); fflush(stdout); close(1); close(0); return 0; }
            """)
    }

    // MARK: crashes

    private func checkSegfault(_ language: String, _ source: String, file: StaticString = #filePath, line: UInt = #line) throws {
        let suite = try suite
        let id = try suite.deployOK(uniqueName("segv-\(language)"), language, source: source, file: file, line: line)
        for round in 0..<2 {
            let started = Date()
            let response = try suite.invoke(id, "", timeout: 30)
            assertFailure(response, status: 500, mentions: ["signal 11", "SIGSEGV", "segmentation fault"],
                          "\(language) segfault round \(round)", file: file, line: line)
            XCTAssertLessThan(secondsSince(started), 5, file: file, line: line)
        }
        try suite.checkCanaries([canary(language)], rounds: 2, "after a \(language) segfault", file: file, line: line)
    }

    func testPythonSegfaultIs500NamingTheSignal() throws {
        try checkSegfault("python", "import ctypes\nprint('before', flush=True)\nctypes.string_at(0)\n")
    }

    func testJavaScriptSegfaultIs500NamingTheSignal() throws {
        try checkSegfault("js", "console.log('before');\nprocess.kill(process.pid, 'SIGSEGV');\n")
    }

    // MARK: processes

    func testPythonForkBombIsContained() throws {
        let suite = try suite
        let bomb = try suite.deployOK(uniqueName("forkbomb"), "python", source: """
            import os, time
            made, failed = 0, 0
            for i in range(500):
                try:
                    pid = os.fork()
                except OSError:
                    failed += 1
                    continue
                if pid == 0:
                    time.sleep(30)
                    os._exit(0)
                made += 1
            print("forked", made, "failed", failed)
            """, query: "&timeout=5")
        let forker = try suite.deployOK(uniqueName("oneforker"), "python",
                                        source: "import subprocess\nprint(subprocess.run(['/bin/echo', 'child ok'], capture_output=True).stdout.decode(), end='')\n")
        let started = Date()
        let response = try suite.invoke(bomb, "", timeout: 30)
        XCTAssertLessThan(secondsSince(started), 8, "the fork bomb ends within its 5 s limit (plus slack): \(response)")
        XCTAssertTrue([200, 500, 504].contains(response.status), "\(response)")
        print("[fault] fork bomb answered \(response)")
        if response.status == 200, let output = try? response.json()["output"] as? String,
           let made = output.split(separator: " ").dropFirst().first.flatMap({ Int($0) }) {
            XCTAssertLessThan(made, 500, "the sandbox bounds how many processes a function can have: \(output)")
        }
        // Nothing of it survives the invocation (its warm interpreter aside).
        var left: [Int32] = []
        let gone = (try? suite.waitFor("the fork bomb's children to be gone", timeout: 5) {
            left = ProcFS.processes(withEnvironment: "FAAS_FUNCTION_ID=\(bomb)")
            return left.count <= 1
        }) != nil
        XCTAssertTrue(gone, "processes of the fork bomb outlived it: \(left.count)")
        // Other functions, on every worker, still run, fork included.
        suite.checkCanaries(canaries, rounds: 2, "after a fork bomb")
        for round in 0..<4 {
            XCTAssertEqual(try suite.invokeText(forker, ""), "child ok\n", "round \(round): a function that forks once still can")
        }
    }

    /// A child that leaves the function's process group (setsid) and detaches must still end
    /// with the invocation: an invocation's processes never outlive it.
    func testDetachedGrandchildDoesNotOutliveTheInvocation() throws {
        let suite = try suite
        let marker = "faas-escape-\(UUID().uuidString.prefix(8))"
        let id = try suite.deployOK(uniqueName("escaper"), "python", source: """
            import os, sys, time
            if os.fork() == 0:
                os.setsid()
                if os.fork() == 0:
                    os.execv(sys.executable, [sys.executable, "-c", "import time; time.sleep(60)", "\(marker)"])
                os._exit(0)
            time.sleep(0.3)
            print("parent done")
            """, query: "&timeout=5")
        XCTAssertEqual(try suite.invokeText(id, ""), "parent done\n")
        var left: [Int32] = []
        let gone = (try? suite.waitFor("the detached grandchild to be killed", timeout: 5) {
            left = ProcFS.processes(mentioning: marker)
            return left.isEmpty
        }) != nil
        XCTAssertTrue(gone, "a detached grandchild (setsid + fork) outlived its invocation: pids \(left)")
        // It is ours (started by this suite's function): do not leave it running.
        for pid in left { kill(pid, SIGKILL) }
    }

    private func checkCannotKillDaemons(_ language: String, _ source: String, file: StaticString = #filePath, line: UInt = #line) throws {
        let suite = try suite
        let id = try suite.deployOK(uniqueName("killer-\(language)"), language, source: source, query: "&timeout=5", file: file, line: line)
        let workers = suite.workerPIDs()
        let daemons = [suite.serverPID, suite.loadBalancer?.processIdentifier ?? 0, suite.gateway?.processIdentifier ?? 0]
        let payload = (daemons + workers + [1, 2]).map(String.init).joined(separator: " ")
        for round in 0..<2 {
            let started = Date()
            let response = try suite.invoke(id, payload, timeout: 30)
            XCTAssertLessThan(secondsSince(started), 8, "\(language) round \(round): answered: \(response)", file: file, line: line)
            XCTAssertTrue([200, 500].contains(response.status), "\(language) round \(round): \(response)", file: file, line: line)
        }
        usleep(500_000)
        suite.assertDaemonsRunning("after a \(language) function tried to kill them", file: file, line: line)
        XCTAssertEqual(suite.workerPIDs(), workers, "no worker was killed", file: file, line: line)
        suite.checkCanaries(canaries, rounds: 2, "after a \(language) function tried to kill the daemons", file: file, line: line)
    }

    func testPythonFunctionCannotKillTheDaemons() throws {
        try checkCannotKillDaemons("python", """
            import os, sys
            results = []
            for pid in [int(p) for p in sys.stdin.read().split()]:
                if pid in (os.getpid(), os.getppid()):
                    continue
                try:
                    os.kill(pid, 9)
                    results.append("signalled %d" % pid)
                except OSError as e:
                    results.append("kill %d: %s" % (pid, e.strerror))
            print(" | ".join(results), flush=True)
            os.kill(-1, 9)   # kill -9 -1
            """)
    }

    func testJavaScriptFunctionCannotKillTheDaemons() throws {
        try checkCannotKillDaemons("js", """
            const pids = require("fs").readFileSync(0, "utf8").split(" ").map(Number);
            for (const pid of pids) {
              if (pid === process.pid) continue;
              try { process.kill(pid, "SIGKILL"); console.log("signalled", pid); } catch (e) { console.log("kill", pid, e.code); }
            }
            try { process.kill(-1, "SIGKILL"); } catch (e) { console.log("kill -1", e.code); }
            """)
    }

    func testFunctionCannotReadAnotherFunctionsCodeNorTheDaemonSockets() throws {
        let suite = try suite
        let secret = "SECRET-\(UUID().uuidString)"
        let victim = try suite.deployOK(uniqueName("victim"), "python", source: "print('\(secret)'[:6])\n")
        // Run the victim on both workers first, so each has prepared it.
        for _ in 0..<4 { XCTAssertEqual(try suite.invokeText(victim, ""), "SECRET\n") }
        let attacker = try suite.deployOK(uniqueName("snoop"), "python", source: """
            import os, socket, sys
            functions, victim, *sockets = sys.stdin.read().split("\\n")
            own = os.environ.get("FAAS_FUNCTION_ID", "")
            report = []
            def attempt(path):
                try:
                    with open(path, "rb") as f:
                        report.append("READ %s: %s" % (path, f.read(300).decode("utf-8", "replace")))
                except OSError as e:
                    report.append("denied %s (%s)" % (path, type(e).__name__))
            for name in ("code.py", "metadata.json"):
                attempt(os.path.join(functions, victim, name))
                attempt("../" * 16 + functions.lstrip("/") + "/" + victim + "/" + name)
                attempt("/fn/../" + victim + "/" + name)
                attempt("/fn/../../" + functions.lstrip("/") + "/" + victim + "/" + name)
            # Every code file visible anywhere outside /usr, /proc, /sys, /dev.
            skip = {"/usr", "/proc", "/sys", "/dev"}
            for root, dirs, files in os.walk("/"):
                dirs[:] = [d for d in dirs if os.path.join(root, d) not in skip]
                for name in files:
                    path = os.path.join(root, name)
                    if name.startswith("code.") and own not in path and not path.startswith("/fn/"):
                        attempt(path)
            for path in sockets:
                s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                s.settimeout(2)
                try:
                    s.connect(path)
                    report.append("CONNECTED %s" % path)
                except OSError as e:
                    report.append("denied socket %s (%s)" % (path, type(e).__name__))
                finally:
                    s.close()
            print("\\n".join(report))
            """)
        let payload = [suite.functionsDirectory, victim, suite.serverSocket, suite.lbSocket].joined(separator: "\n")
        for round in 0..<2 {
            let output = try suite.invokeText(attacker, payload)
            let reads = output.split(separator: "\n").filter { $0.hasPrefix("READ ") }.map { String($0.prefix(160)) }.joined(separator: "\n")
            XCTAssertFalse(output.contains(secret), "round \(round): a function read another function's source; it read:\n\(reads)")
            for socket in [suite.serverSocket, suite.lbSocket] {
                XCTAssertFalse(output.contains("CONNECTED \(socket)"), "round \(round): a function connected to \(socket)")
                XCTAssertTrue(output.contains("denied socket \(socket)"), "round \(round): the attempt on \(socket) ran:\n\(output.suffix(600))")
            }
        }
    }

    func testFunctionCannotReachTheNetwork() throws {
        let suite = try suite
        let python = try suite.deployOK(uniqueName("net-py"), "python", source: """
            import socket, sys
            port = int(sys.stdin.read())
            for host in ["127.0.0.1", "::1", "localhost"]:
                try:
                    socket.create_connection((host, port), timeout=2).close()
                    print("CONNECTED", host)
                except OSError as e:
                    print("failed", host, type(e).__name__)
            """)
        let output = try suite.invokeText(python, String(suite.port))
        XCTAssertFalse(output.contains("CONNECTED"), "a function reached the gateway over TCP:\n\(output)")
        XCTAssertEqual(output.components(separatedBy: "failed").count - 1, 3, output)
        let js = try suite.deployOK(uniqueName("net-js"), "js", source: """
            const net = require("net");
            const port = Number(require("fs").readFileSync(0, "utf8"));
            const socket = net.connect(port, "127.0.0.1");
            const timer = setTimeout(() => { console.log("no answer"); socket.destroy(); }, 2000);
            socket.on("connect", () => { console.log("CONNECTED"); clearTimeout(timer); socket.destroy(); });
            socket.on("error", (e) => { console.log("failed", e.code); clearTimeout(timer); });
            """)
        let jsOutput = try suite.invokeText(js, String(suite.port))
        XCTAssertFalse(jsOutput.contains("CONNECTED"), "a JS function reached the gateway over TCP:\n\(jsOutput)")
        XCTAssertTrue(jsOutput.contains("failed") || jsOutput.contains("no answer"), jsOutput)
    }

    /// Runs last: the suite the hostile functions ran on still answers, and every function
    /// deployed before the first test still gives its right output.
    func testZZSuiteSurvivedTheHostileFunctions() throws {
        let suite = try suite
        suite.assertDaemonsRunning("after the hostile functions")
        XCTAssertEqual(suite.workerPIDs().count, 2, "both workers are there")
        XCTAssertEqual(canaries.count, 3)
        suite.checkCanaries(canaries, rounds: 3, "after the hostile functions")
        let listed = try suite.request("GET", "/functions").text
        for canary in canaries { XCTAssertTrue(listed.contains(canary.id), "\(canary.id) is still listed") }
    }
}

// MARK: - storage durability

/// Deploys interrupted by a gateway crash, racing deploys, and a full stop and start on the
/// same functions folder.
final class FaultStorageTests: SuiteTestCase {
    override class var suiteOptions: FaaSSuite.Options {
        var options = FaaSSuite.Options()
        options.workers = 1
        return options
    }

    /// About 2 s of rustc on an idle core: a macro expanding to 2^16 statements.
    static let slowRust = """
        macro_rules! grow { () => { let _ = 1u8; }; (x $($rest:tt)*) => { grow!($($rest)*); grow!($($rest)*); } }
        fn spin() { grow!(x x x x x x x x x x x x x x x x); }
        fn main() { spin(); println!("slow rust"); }
        """

    private func staged(_ suite: FaaSSuite) -> [String] {
        (try? FileManager.default.contentsOfDirectory(atPath: suite.functionsDirectory + "/.staging")) ?? ["(unreadable)"]
    }

    private func storedVersions(_ suite: FaaSSuite, of name: String) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: suite.functionsDirectory)) ?? []).filter { $0.hasPrefix(name + "_") }
    }

    func testGatewayKilledDuringARustDeployLeavesNoHalfFunction() throws {
        let suite = try suite
        let name = uniqueName("halfrust")
        let connection = try HTTPConnection(port: suite.port, timeout: 30)
        try connection.sendRequest("POST", "/deploy?name=\(name)&lang=rust", body: Data(Self.slowRust.utf8))
        let staging = suite.functionsDirectory + "/.staging/"
        var compilers: [Int32] = []
        try suite.waitFor("rustc compiling the deploy in .staging", timeout: 30) {
            compilers = ProcFS.processes(mentioning: staging)
            return !compilers.isEmpty
        }
        XCTAssertFalse(staged(suite).isEmpty, "the deploy is staged while it compiles")
        suite.kill9(suite.gateway)
        let orphans = compilers.filter { FaaSSuite.isAlive($0) }
        if !orphans.isEmpty { print("[fault] note: the compiler (pids \(orphans)) keeps running after its gateway was SIGKILLed") }
        if let response = try? connection.readResponse() {
            XCTAssertNotEqual(response.status, 201, "a deploy whose gateway died cannot have succeeded: \(response)")
        }

        try suite.launchGateway()
        try suite.waitFor("the relaunched gateway's /health", timeout: 30) { (try? suite.request("GET", "/health", timeout: 2))?.status == 200 }
        XCTAssertEqual(staged(suite), [], "the restarted gateway empties functions/.staging")
        XCTAssertEqual(storedVersions(suite, of: name), [], "no half function stored")
        XCTAssertEqual(try suite.request("GET", "/function/\(name)").status, 404)
        XCTAssertFalse(try suite.request("GET", "/functions").text.contains(name), "not listed")
        // The orphaned compiler may still write where its staging folder was: wait for it.
        try suite.waitFor("the orphaned compiler to end", timeout: 60) { compilers.allSatisfy { !FaaSSuite.isAlive($0) } }
        XCTAssertEqual(staged(suite), [], "nothing reappeared in .staging after the orphaned compiler ended")
        XCTAssertEqual(storedVersions(suite, of: name), [], "nor in the functions folder")

        // The name is free.
        let id = try suite.deployOK(name, "python", source: "print('second try')\n")
        XCTAssertEqual(try suite.invokeText(id, ""), "second try\n")
        XCTAssertEqual(storedVersions(suite, of: name), [id])
    }

    func testTwentyConcurrentDeploysOfOneNameGiveOne201And19409() throws {
        let suite = try suite
        let name = uniqueName("race20")
        let requests = (0..<20).map { index -> (method: String, path: String, body: Data) in
            index % 5 == 4
                ? (method: "POST", path: "/deploy?name=\(name)&lang=c", body: Data("#include <stdio.h>\nint main(void) { printf(\"winner \(index)\\n\"); return 0; }\n".utf8))
                : (method: "POST", path: "/deploy?name=\(name)&lang=python", body: Data("print('winner \(index)')\n".utf8))
        }
        let results = HTTP.concurrent(port: suite.port, requests)
        let statuses = results.map { (try? $0.get().status) ?? -1 }
        XCTAssertEqual(statuses.filter { $0 == 201 }.count, 1, "\(statuses)")
        XCTAssertEqual(statuses.filter { $0 == 409 }.count, 19, "\(statuses)")
        let winner = try XCTUnwrap(statuses.firstIndex(of: 201))
        let id = try XCTUnwrap(try results[winner].get().json()["id"] as? String)
        XCTAssertEqual(storedVersions(suite, of: name), [id], "exactly one function stored")
        XCTAssertEqual(try suite.invokeText(name, ""), "winner \(winner)\n", "the stored function is the winner's")
        XCTAssertEqual(try suite.request("GET", "/function/\(name)").body, requests[winner].body)
        XCTAssertEqual(staged(suite), [], "the losers left nothing in .staging")
    }

    func testEveryFunctionGivesTheSameOutputAfterAFullStopAndAFreshSuite() throws {
        var options = FaaSSuite.Options()
        options.workers = 2
        let first = try FaaSSuite(name: "fault-keep-a", options: options)
        defer { first.stop(); first.removeFiles() }
        var calls: [(fn: String, payload: String)] = []
        func deploy(_ name: String, _ language: String, _ source: String, query: String = "", payloads: [String]) throws {
            let id = try first.deployOK(name, language, source: source, query: query)
            for payload in payloads { calls += [(id, payload), (name, payload)] }
        }
        try deploy("keep-py", "python", try Examples.source("hello.py"), payloads: ["py"])
        try deploy("keep-js", "js", try Examples.source("hello.js"), payloads: ["js"])
        try deploy("keep-c", "c", try Examples.source("hello.c"), payloads: ["c"])
        try deploy("keep-add", "c", try Examples.source("add.c"), query: "&entrypoint=add", payloads: ["2 3", "40 2"])
        try deploy("keep-rs", "rust", try Examples.source("hello.rs"), payloads: ["rust"])
        try deploy("keep-handler", "python", "def handler(payload):\n    return 'handled ' + payload\n", payloads: ["h"])
        // A second version: both stay reachable, the name resolves to the newest.
        let v1 = try XCTUnwrap(calls.first { $0.fn.hasPrefix("keep-py_") }?.fn)
        let update = try first.request("PUT", "/function/keep-py", body: "import sys\nprint('v2', sys.stdin.read())\n")
        XCTAssertEqual(update.status, 201, "\(update)")
        calls += [(v1, "old"), ("keep-py", "new")]

        var before: [String] = []
        for call in calls { before.append(String(decoding: try first.invokeOutput(call.fn, Data(call.payload.utf8)), as: UTF8.self)) }
        XCTAssertEqual(before.last, "v2 new\n")
        let listed = try first.request("GET", "/functions").json()["functions"] as? [[String: Any]] ?? []

        let statuses = first.stop(removeFiles: false)
        for daemon in ["gateway", "server", "load-balancer"] {
            XCTAssertEqual(statuses[daemon], .some(0), "\(daemon) stops cleanly on SIGTERM: \(statuses)")
        }

        var reuse = options
        reuse.reuseFunctions(at: first.functionsDirectory)
        let second = try FaaSSuite(name: "fault-keep-b", options: reuse)
        defer { second.stop(); second.removeFiles() }
        for (index, call) in calls.enumerated() {
            let output = String(decoding: try second.invokeOutput(call.fn, Data(call.payload.utf8)), as: UTF8.self)
            XCTAssertEqual(output, before[index], "\(call.fn) (\(call.payload)) after the restart")
        }
        let relisted = try second.request("GET", "/functions").json()["functions"] as? [[String: Any]] ?? []
        XCTAssertEqual(Set(relisted.compactMap { $0["id"] as? String }), Set(listed.compactMap { $0["id"] as? String }))
        XCTAssertEqual(listed.count, 6)
    }
}

// MARK: - crash recovery

/// A hung (stopped) worker, and a load balancer killed with invokes in flight.
final class FaultCrashTests: SuiteTestCase {
    override class var suiteOptions: FaaSSuite.Options {
        var options = FaaSSuite.Options()
        options.workers = 2
        return options
    }

    func testStoppedWorkerTimesOutWith504AndIsReplaced() throws {
        let suite = try suite
        let id = try suite.deployOK(uniqueName("hung"), "python", source: "import time\ntime.sleep(0.8)\nprint('finished')\n", query: "&timeout=2")
        let before = suite.workerPIDs()
        XCTAssertEqual(before.count, 2)
        let connection = try HTTPConnection(port: suite.port, timeout: 30)
        let started = Date()
        try connection.sendRequest("POST", "/invoke?fn=\(id)", body: Data("x".utf8))
        var busy: Int32?
        try suite.waitFor("a worker running the function", timeout: 10) {
            busy = FaaSSuite.workerRunning(function: id).flatMap { before.contains($0) ? $0 : nil }
            return busy != nil
        }
        let worker = try XCTUnwrap(busy)
        XCTAssertEqual(kill(worker, SIGSTOP), 0)
        defer { if FaaSSuite.isAlive(worker) { kill(worker, SIGCONT) } }
        try suite.waitFor("the worker to be stopped", timeout: 5) { ProcFS.state(worker) == "T" }
        let response = try connection.readResponse()
        let elapsed = secondsSince(started)
        XCTAssertEqual(response.status, 504, "the job of a hung worker times out: \(response)")
        XCTAssertGreaterThanOrEqual(elapsed, 1.9, "not before the 2 s limit")
        XCTAssertLessThan(elapsed, 5, "soon after the 2 s limit")
        try suite.waitFor("the hung worker to be killed", timeout: 10) { !FaaSSuite.isAlive(worker) }
        try suite.waitFor("a replacement worker", timeout: 10) { suite.workerPIDs().count == 2 }
        XCTAssertFalse(suite.workerPIDs().contains(worker))
        for index in 0..<4 {
            let answer = try suite.invoke(id, "again\(index)", timeout: 20)
            XCTAssertEqual((try? answer.json())?["output"] as? String, "finished\n", "invoke \(index) after the replacement: \(answer)")
        }
    }

    func testLoadBalancerKilledWithThirtyInvokesInFlight() throws {
        let suite = try suite
        let id = try suite.deployOK(uniqueName("inflight"), "python", source: "import sys, time\ntime.sleep(0.5)\nprint('done', sys.stdin.read())\n")
        for index in 0..<2 { XCTAssertEqual(try suite.invokeText(id, "warm\(index)"), "done warm\(index)\n") }
        var connections: [HTTPConnection] = []
        for index in 0..<30 {
            let connection = try HTTPConnection(port: suite.port, timeout: 15)
            try connection.sendRequest("POST", "/invoke?fn=\(id)", body: Data("p\(index)".utf8))
            connections.append(connection)
        }
        usleep(300_000)
        suite.kill9(suite.loadBalancer)
        let killed = Date()
        var statuses: [Int] = []
        for (index, connection) in connections.enumerated() {
            connection.setTimeout(max(0.2, 10 - secondsSince(killed)))
            do {
                let response = try connection.readResponse()
                statuses.append(response.status)
                if response.status == 200 {
                    XCTAssertEqual(try response.json()["output"] as? String, "done p\(index)\n", "invoke \(index)")
                } else {
                    XCTAssertEqual(response.status, 503, "invoke \(index): \(response)")
                }
            } catch {
                statuses.append(-1)
                XCTFail("invoke \(index) got no answer after the load balancer died: \(error)")
            }
        }
        XCTAssertLessThan(secondsSince(killed), 5, "every in-flight invoke is answered within a few seconds: \(statuses)")
        XCTAssertEqual(statuses.filter { $0 == 200 || $0 == 503 }.count, 30, "\(statuses)")
        XCTAssertEqual(suite.server?.isRunning, true, "the server outlives its load balancer")
        XCTAssertEqual(suite.gateway?.isRunning, true, "the gateway outlives the load balancer")

        let registered = suite.registrations()
        try suite.launchLoadBalancer()
        try suite.waitUntilReady(registrationsSince: registered)
        for index in 0..<4 { XCTAssertEqual(try suite.invokeText(id, "after\(index)"), "done after\(index)\n") }
    }
}

// MARK: - start-up over stale and contested sockets

/// Each test starts its own suite: a stale socket file where a daemon is to listen, and a
/// second daemon started on a socket that is in use.
final class FaultStartupTests: OwnSuiteTestCase {
    func testStaleSocketFilesDoNotStopTheDaemonsFromStarting() throws {
        let suite = try FaaSSuite(name: "fault-stale", options: workers(1), start: false)
        self.suite = suite
        for path in [suite.lbSocket, suite.serverSocket] {
            try UnixSocketFile.makeStale(at: path)
            XCTAssertTrue(UnixSocketFile.isSocket(path), "a socket file is left at \(path)")
            XCTAssertEqual(UnixSocketFile.connectError(path), ECONNREFUSED, "and nobody listens behind it")
        }
        try suite.launchLoadBalancer()
        try suite.launchServer()
        try suite.launchGateway()
        try suite.waitUntilReady()
        let id = try suite.deployOK("stale", "python", source: try Examples.source("hello.py"))
        XCTAssertEqual(try suite.invokeText(id, "over stale sockets"), "Hello, over stale sockets\n")
    }

    func testASecondDaemonOnASocketInUseRefusesAndTheFirstKeepsServing() throws {
        let suite = try FaaSSuite(name: "fault-dup", options: workers(1))
        self.suite = suite
        let id = try suite.deployOK("dup", "python", source: try Examples.source("hello.py"))
        let registered = suite.registrations()
        let workers = suite.workerPIDs()

        let balancer = try DaemonRun.run(suite, "faas-load-balancer", ["--lb-sock", suite.lbSocket])
        XCTAssertNotNil(balancer.status, "the second load balancer exits by itself: \(balancer.output)")
        XCTAssertNotEqual(balancer.status, 0, "with a failure status: \(balancer.output)")
        XCTAssertTrue(balancer.output.contains(suite.lbSocket) && balancer.output.localizedCaseInsensitiveContains("in use"),
                      "a clear message naming the socket: \(balancer.output.debugDescription)")
        XCTAssertLessThan(balancer.seconds, 5, "it refuses at once")

        let server = try DaemonRun.run(suite, "faas-server", ["--server-sock", suite.serverSocket, "--lb-sock", suite.lbSocket,
                                                              "--functions-dir", suite.functionsDirectory, "--workers", "1"])
        XCTAssertNotNil(server.status, "the second server exits by itself: \(server.output)")
        XCTAssertNotEqual(server.status, 0, "with a failure status: \(server.output)")
        XCTAssertTrue(server.output.contains(suite.serverSocket) && server.output.localizedCaseInsensitiveContains("in use"),
                      "a clear message naming the socket: \(server.output.debugDescription)")

        // The first ones keep their sockets and keep serving.
        suite.assertDaemonsRunning("after the second daemons were refused")
        XCTAssertEqual(UnixSocketFile.connectError(suite.lbSocket), 0, "the load balancer's socket still answers")
        XCTAssertEqual(UnixSocketFile.connectError(suite.serverSocket), 0, "the server's socket still answers")
        XCTAssertEqual(try suite.invokeText(id, "still"), "Hello, still\n")
        XCTAssertEqual(suite.registrations(), registered, "the server kept its load balancer connection (no re-registration)")
        XCTAssertEqual(suite.workerPIDs(), workers, "the same workers")
    }
}
