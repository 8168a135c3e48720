import Foundation
import XCTest

/// Status codes and HTTP/1.1 behaviour at the gateway: errors map to the documented statuses,
/// and real clients' habits (100-continue, chunked bodies, keep-alive, binary bodies) work.
final class HTTPBehaviorTests: SuiteTestCase {
    private func assertError(_ response: HTTPResult, _ status: Int, contains fragment: String? = nil,
                             file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(response.status, status, "\(response)", file: file, line: line)
        guard let object = try? response.json() else {
            return XCTFail("error body is not JSON: \(response)", file: file, line: line)
        }
        XCTAssertEqual(object["ok"] as? Bool, false, "\(response)", file: file, line: line)
        let error = object["error"] as? String ?? ""
        XCTAssertFalse(error.isEmpty, "an error message is given: \(response)", file: file, line: line)
        if let fragment {
            let details = object["details"] as? String ?? ""
            XCTAssertTrue((error + details).localizedCaseInsensitiveContains(fragment), "expected \(fragment.debugDescription) in \(response)",
                          file: file, line: line)
        }
    }

    // MARK: deploy errors

    func testDuplicateNameIs409() throws {
        let suite = try suite
        let name = uniqueName("dup")
        let first = try suite.deployOK(name, "python", source: "print('first')\n")
        assertError(try suite.deploy(name, "python", source: "print('second')\n"), 409)
        assertError(try suite.deploy(name, "js", source: "console.log('second')\n"), 409)
        XCTAssertEqual(try suite.invokeText(name, ""), "first\n", "the original is untouched")
        XCTAssertEqual(try suite.request("GET", "/function/\(name)").text, "print('first')\n")
        XCTAssertEqual(try suite.invokeText(first, ""), "first\n")
    }

    func testConcurrentDeploysOfOneNameGiveOneWinner() throws {
        let suite = try suite
        let name = uniqueName("race")
        let requests = (0..<8).map { index in
            (method: "POST", path: "/deploy?name=\(name)&lang=python", body: Data("print(\(index))\n".utf8))
        }
        let results = HTTP.concurrent(port: suite.port, requests)
        let statuses = results.map { (try? $0.get().status) ?? -1 }
        XCTAssertEqual(statuses.filter { $0 == 201 }.count, 1, "\(statuses)")
        XCTAssertEqual(statuses.filter { $0 == 409 }.count, 7, "\(statuses)")
        let onDisk = try FileManager.default.contentsOfDirectory(atPath: suite.functionsDirectory).filter { $0.hasPrefix(name + "_") }
        XCTAssertEqual(onDisk.count, 1)
    }

    func testUnknownFunctionIs404() throws {
        let suite = try suite
        assertError(try suite.invoke("no-such-function", "x"), 404)
        assertError(try suite.invoke("nosuch_1700000000", "x"), 404)
        assertError(try suite.request("GET", "/function/no-such-function"), 404)
        assertError(try suite.request("DELETE", "/function/no-such-function"), 404)
        assertError(try suite.request("GET", "/no/such/endpoint"), 404)
    }

    func testUnknownLanguageIs400() throws {
        let suite = try suite
        let name = uniqueName("cobol")
        assertError(try suite.deploy(name, "cobol", source: "DISPLAY 'HI'."), 400, contains: "language")
        assertError(try suite.request("POST", "/deploy?name=\(name)", body: "print(1)\n"), 400, contains: "lang")
        assertError(try suite.request("GET", "/function/\(name)"), 404, contains: nil)
    }

    func testInvalidNamesAre400() throws {
        let suite = try suite
        let invalid: [(String, String)] = [
            ("../x", "name=../x"),
            ("../x encoded", "name=..%2Fx"),
            ("empty", "name="),
            ("absent", ""),
            ("65 chars", "name=" + String(repeating: "a", count: 65)),
            ("non-ASCII", "name=%C3%A9t%C3%A9"),
            ("space", "name=a%20b"),
            ("leading dot", "name=.hidden"),
            ("slash", "name=a/b"),
        ]
        for (label, query) in invalid {
            let response = try suite.request("POST", "/deploy?\(query)&lang=python", body: "print(1)\n")
            assertError(response, 400)
            if response.status != 400 { XCTFail("\(label): \(query)") }
        }
        // 64 characters is the limit, and it is accepted.
        let longest = String(repeating: "b", count: 60) + String(UUID().uuidString.prefix(4)).lowercased()
        XCTAssertEqual(longest.count, 64)
        XCTAssertEqual(try suite.deploy(longest, "python", source: "print(64)\n").status, 201)
        XCTAssertEqual(try suite.invokeText(longest, ""), "64\n")

        // Names in the path are checked too.
        assertError(try suite.request("GET", "/function/..%2F..%2Fetc%2Fpasswd"), 400)
        assertError(try suite.request("GET", "/function/%C3%A9"), 400)
        assertError(try suite.invoke("../x", ""), 400)
        // Nothing escaped the functions folder.
        let parent = (suite.functionsDirectory as NSString).deletingLastPathComponent
        XCTAssertFalse(FileManager.default.fileExists(atPath: parent + "/x"))
    }

    func testMissingFnIs400() throws {
        let suite = try suite
        assertError(try suite.request("POST", "/invoke", body: "x"), 400, contains: "fn")
        assertError(try suite.request("POST", "/invoke?fn=", body: "x"), 400, contains: "fn")
    }

    func testEmptySourceIs400() throws {
        let suite = try suite
        assertError(try suite.deploy(uniqueName("empty"), "python", source: ""), 400)
    }

    func testWrongMethodIs405() throws {
        let suite = try suite
        let response = try suite.request("DELETE", "/deploy?name=x&lang=python")
        assertError(response, 405)
        XCTAssertNotNil(response.header("allow"))
    }

    func testMalformedRequestLineIs400() throws {
        let suite = try suite
        for garbage in ["THIS IS NOT HTTP\r\n\r\n", "GET\r\n\r\n", "GET /health HTTP/1.1 extra\r\n\r\n", "\u{1}\u{2}\u{3} / HTTP/1.1\r\n\r\n"] {
            let connection = try HTTPConnection(port: suite.port, timeout: 10)
            try connection.send(garbage)
            let response = try connection.readResponse()
            XCTAssertEqual(response.status, 400, "\(garbage.debugDescription) -> \(response)")
            XCTAssertTrue(connection.waitForClose(timeout: 5), "the connection is closed after a malformed request")
        }
        // Bad header syntax and conflicting framing.
        for garbage in ["GET /health HTTP/1.1\r\nHost: x\r\n\(authLine)no colon here\r\n\r\n",
                        "POST /invoke?fn=x HTTP/1.1\r\nHost: x\r\n\(authLine)Content-Length: 3\r\nContent-Length: 4\r\n\r\nabcd",
                        "POST /invoke?fn=x HTTP/1.1\r\nHost: x\r\n\(authLine)Content-Length: -1\r\n\r\n"] {
            let connection = try HTTPConnection(port: suite.port, timeout: 10)
            try connection.send(garbage)
            XCTAssertEqual(try connection.readResponse().status, 400, garbage.debugDescription)
        }
        // The gateway is unharmed.
        XCTAssertEqual(try suite.request("GET", "/health").status, 200)
    }

    // MARK: failing functions

    func testPythonFailureIs500WithStderr() throws {
        let suite = try suite
        let id = try suite.deployOK(uniqueName("pyfail"), "python",
                                    source: "import sys\nsys.stderr.write('boom-in-stderr: ' + sys.stdin.read() + '\\n')\nsys.exit(1)\n")
        assertError(try suite.invoke(id, "payload-42"), 500, contains: "boom-in-stderr: payload-42")
        // An exception is a failure too, with its traceback.
        let raising = try suite.deployOK(uniqueName("pyraise"), "python", source: "raise ValueError('bad value 17')\n")
        assertError(try suite.invoke(raising, ""), 500, contains: "bad value 17")
    }

    func testJavaScriptThrowIs500() throws {
        let suite = try suite
        let id = try suite.deployOK(uniqueName("jsthrow"), "js", source: "throw new Error('js-kaboom-99');\n")
        assertError(try suite.invoke(id, ""), 500, contains: "js-kaboom-99")
        let exits = try suite.deployOK(uniqueName("jsexit"), "js", source: "process.stderr.write('exit-three'); process.exit(3);\n")
        assertError(try suite.invoke(exits, ""), 500, contains: "exit-three")
    }

    func testSyntaxErrorInScriptIs500OnInvoke() throws {
        let suite = try suite
        let id = try suite.deployOK(uniqueName("pysyntax"), "python", source: "def broken(:\n")
        assertError(try suite.invoke(id, ""), 500, contains: "SyntaxError")
    }

    // MARK: HTTP/1.1 features

    func testExpect100Continue() throws {
        let suite = try suite
        let id = try suite.deployOK(uniqueName("cont"), "python", source: try Examples.source("hello.py"))
        let payload = String(repeating: "0123456789abcdef", count: 320)   // 5 KiB
        let connection = try HTTPConnection(port: suite.port, timeout: 30)
        try connection.send("POST /invoke?fn=\(id) HTTP/1.1\r\nHost: x\r\n\(authLine)Content-Length: \(payload.utf8.count)\r\nExpect: 100-continue\r\n\r\n")
        // Like curl: wait for the interim answer before sending the body.
        let interim = try connection.readResponse()
        XCTAssertEqual(interim.status, 100, "\(interim)")
        try connection.send(payload)
        let response = try connection.readResponse()
        XCTAssertEqual(response.status, 200, "\(response)")
        XCTAssertEqual(try response.json()["output"] as? String, "Hello, \(payload)\n")
    }

    func testChunkedDeployAndInvoke() throws {
        let suite = try suite
        let name = uniqueName("chunked")
        let source = "import sys\ndata = sys.stdin.read()\nprint('chunked:', len(data), data[:5])\n"
        let bytes = Array(source.utf8)
        var body = ""
        var index = 0
        for size in [1, 7, 13, 20, 1000] where index < bytes.count {
            let piece = bytes[index..<min(index + size, bytes.count)]
            body += String(piece.count, radix: 16) + "\r\n" + String(decoding: piece, as: UTF8.self) + "\r\n"
            index += piece.count
        }
        body += "0\r\n\r\n"
        let connection = try HTTPConnection(port: suite.port, timeout: 30)
        try connection.send("POST /deploy?name=\(name)&lang=python HTTP/1.1\r\nHost: x\r\n\(authLine)Transfer-Encoding: chunked\r\n\r\n")
        try connection.send(body)
        let deployed = try connection.readResponse()
        XCTAssertEqual(deployed.status, 201, "\(deployed)")
        XCTAssertEqual(try suite.request("GET", "/function/\(name)").text, source, "chunks reassembled exactly")

        // A chunked payload, sent in pieces with pauses.
        let invoke = try HTTPConnection(port: suite.port, timeout: 30)
        try invoke.send("POST /invoke?fn=\(name) HTTP/1.1\r\nHost: x\r\n\(authLine)Transfer-Encoding: chunked\r\n\r\n")
        try invoke.send("5\r\nhello\r\n")
        usleep(50_000)
        try invoke.send("6;ext=1\r\n world\r\n")
        usleep(50_000)
        try invoke.send("0\r\n\r\n")
        let invoked = try invoke.readResponse()
        XCTAssertEqual(invoked.status, 200, "\(invoked)")
        XCTAssertEqual(try invoked.json()["output"] as? String, "chunked: 11 hello\n")
    }

    func testKeepAliveServesSeveralRequestsOnOneConnection() throws {
        let suite = try suite
        let name = uniqueName("keep")
        let connection = try HTTPConnection(port: suite.port, timeout: 30)
        try connection.sendRequest("POST", "/deploy?name=\(name)&lang=python", body: Data(try Examples.source("hello.py").utf8))
        let deployed = try connection.readResponse()
        XCTAssertEqual(deployed.status, 201, "\(deployed)")
        XCTAssertNotEqual(deployed.header("connection")?.lowercased(), "close")
        for index in 0..<5 {
            try connection.sendRequest("POST", "/invoke?fn=\(name)", body: Data("ka\(index)".utf8))
            let response = try connection.readResponse()
            XCTAssertEqual(response.status, 200, "\(response)")
            XCTAssertEqual(try response.json()["output"] as? String, "Hello, ka\(index)\n")
            XCTAssertNotEqual(response.header("connection")?.lowercased(), "close")
        }
        try connection.sendRequest("GET", "/health")
        XCTAssertEqual(try connection.readResponse().status, 200)
        // An error answer does not end a well-framed connection either.
        try connection.sendRequest("POST", "/invoke?fn=missing-\(name)", body: Data("x".utf8))
        XCTAssertEqual(try connection.readResponse().status, 404)
        try connection.sendRequest("GET", "/function/\(name)")
        XCTAssertEqual(try connection.readResponse().status, 200)
        XCTAssertFalse(connection.isClosedByPeer)
        // Connection: close is honoured.
        try connection.sendRequest("GET", "/health", headers: [("Connection", "close")])
        let last = try connection.readResponse()
        XCTAssertEqual(last.status, 200)
        XCTAssertEqual(last.header("connection")?.lowercased(), "close")
        XCTAssertTrue(connection.waitForClose(timeout: 5))
    }

    func testPipelinedRequestsAnswerInOrder() throws {
        let suite = try suite
        let name = uniqueName("pipe")
        _ = try suite.deployOK(name, "python", source: try Examples.source("hello.py"))
        let connection = try HTTPConnection(port: suite.port, timeout: 30)
        var batch: [UInt8] = []
        for index in 0..<4 {
            let body = "p\(index)"
            batch += Array("POST /invoke?fn=\(name) HTTP/1.1\r\nHost: x\r\n\(authLine)Content-Length: \(body.utf8.count)\r\n\r\n\(body)".utf8)
        }
        try connection.send(batch)
        for index in 0..<4 {
            let response = try connection.readResponse()
            XCTAssertEqual(response.status, 200)
            XCTAssertEqual(try response.json()["output"] as? String, "Hello, p\(index)\n")
        }
    }

    /// `ab -k`: HTTP/1.0 with `Connection: Keep-Alive`. The answer says `Connection:
    /// keep-alive` (RFC 9112 section 9.3), or the client waits for a close that never comes;
    /// the connection then serves the next request. Without the header, HTTP/1.0 closes.
    func testHTTP10KeepAliveIsEchoed() throws {
        let suite = try suite
        let id = try suite.deployOK(uniqueName("ab"), "python", source: try Examples.source("hello.py"))
        let client = try RawClient(port: suite.port)
        for round in 0..<3 {
            client.send("POST /invoke?fn=\(id) HTTP/1.0\r\nHost: localhost\r\n\(authLine)Connection: Keep-Alive\r\nContent-Length: 2\r\n\r\nr\(round)")
            let response = try XCTUnwrap(client.readResponse(timeout: 20), "round \(round): an answer")
            XCTAssertEqual(response.status, 200, "\(response)")
            XCTAssertTrue(response.head.lowercased().contains("\r\nconnection: keep-alive"), "round \(round): \(response.head)")
            XCTAssertEqual(response.json()?["output"] as? String, "Hello, r\(round)\n")
        }
        let plain = try RawClient(port: suite.port)
        plain.send("GET /health HTTP/1.0\r\n\r\n")
        let (bytes, closed) = plain.readUntilClosed(timeout: 10)
        XCTAssertTrue(closed, "HTTP/1.0 without keep-alive is closed after the answer")
        let head = String(decoding: bytes.prefix(300), as: UTF8.self).lowercased()
        XCTAssertTrue(head.hasPrefix("http/1.1 200"), head)
        XCTAssertTrue(head.contains("\r\nconnection: close"), head)
    }

    func testBinaryPayloadRoundTrip() throws {
        let suite = try suite
        let id = try suite.deployOK(uniqueName("echo-bin"), "python",
                                    source: "import sys; sys.stdout.buffer.write(sys.stdin.buffer.read())\n")
        let bytes = Data((0...255).map { UInt8($0) })
        let response = try suite.invoke(id, payload: bytes)
        XCTAssertEqual(response.status, 200, "\(response)")
        let object = try response.json()
        XCTAssertEqual(object["ok"] as? Bool, true)
        XCTAssertEqual(object["encoding"] as? String, "base64", "non-UTF-8 output is marked: \(response)")
        XCTAssertEqual(Data(base64Encoded: object["output"] as? String ?? ""), bytes, "byte-exact")

        // Bigger binary payload (all byte values, repeated, 256 KiB).
        let big = Data((0..<(256 * 1024)).map { UInt8(truncatingIfNeeded: $0 &* 7 &+ $0 >> 8) })
        XCTAssertEqual(try suite.invokeOutput(id, big), big)

        // UTF-8 output with control characters stays text.
        let text = "tab\there \"quotes\" \\ newline\n é ✓ \u{1}"
        let plain = try suite.invoke(id, text)
        XCTAssertNil(try plain.json()["encoding"])
        XCTAssertEqual(try plain.json()["output"] as? String, text)
    }

    /// A text-mode script (read(), print()) gets exactly the bytes sent, as under a plain
    /// python3: no newline translation, undecodable bytes kept.
    func testTextModeScriptIsBinarySafe() throws {
        let suite = try suite
        let id = try suite.deployOK(uniqueName("echo-text"), "python", source: "import sys; print('Hello, ' + sys.stdin.read())\n")
        let payload = Data("a\r\nb\rc".utf8) + Data([0xFF, 0x00, 0x0D, 0x80])
        XCTAssertEqual(try suite.invokeOutput(id, payload), Data("Hello, ".utf8) + payload + Data("\n".utf8))
    }

    func testHeadHasNoBody() throws {
        let suite = try suite
        let head = try suite.request("HEAD", "/health")
        XCTAssertEqual(head.status, 200)
        XCTAssertTrue(head.body.isEmpty)
    }
}

/// A suite with a small body limit (FAAS_MAX_BODY=1024) for 413 answers.
final class BodyLimitTests: SuiteTestCase {
    override class var suiteOptions: FaaSSuite.Options {
        var options = FaaSSuite.Options()
        options.workers = 1
        options.environment = ["FAAS_MAX_BODY": "1024"]
        return options
    }

    func testPayloadOverTheLimitIs413() throws {
        let suite = try suite
        let id = try suite.deployOK(uniqueName("small"), "python", source: "import sys; print(len(sys.stdin.read()))\n")
        XCTAssertEqual(try suite.invokeText(id, String(repeating: "a", count: 1024)), "1024\n", "exactly the limit is fine")
        let response = try suite.invoke(id, payload: Data(repeating: UInt8(ascii: "b"), count: 2048))
        XCTAssertEqual(response.status, 413, "\(response)")
        XCTAssertEqual(try response.json()["ok"] as? Bool, false)
        XCTAssertEqual(try suite.invokeText(id, "still fine"), "10\n")
    }

    func testSourceOverTheLimitIs413() throws {
        let suite = try suite
        let name = uniqueName("bigsrc")
        let source = "# " + String(repeating: "x", count: 1100) + "\nprint(1)\n"
        let response = try suite.deploy(name, "python", source: source)
        XCTAssertEqual(response.status, 413, "\(response)")
        XCTAssertEqual(try suite.request("GET", "/function/\(name)").status, 404, "nothing stored")
    }

    func testChunkedBodyOverTheLimitIs413() throws {
        let suite = try suite
        let id = try suite.deployOK(uniqueName("chunk413"), "python", source: "print('never')\n")
        let connection = try HTTPConnection(port: suite.port, timeout: 30)
        try connection.send("POST /invoke?fn=\(id) HTTP/1.1\r\nHost: x\r\n\(authLine)Transfer-Encoding: chunked\r\n\r\n")
        let chunk = String(repeating: "c", count: 600)
        try? connection.send("258\r\n\(chunk)\r\n258\r\n\(chunk)\r\n0\r\n\r\n")
        let response = try connection.readResponse()
        XCTAssertEqual(response.status, 413, "\(response)")
    }

    /// The 413 comes as soon as the running total of small chunks passes the limit, while the
    /// client has not finished its body (no last chunk sent): the gateway does not wait for it.
    func testChunkedBodyIsRefusedBeforeTheClientFinishes() throws {
        let suite = try suite
        let id = try suite.deployOK(uniqueName("chunkearly"), "python", source: "print('never')\n")
        let connection = try HTTPConnection(port: suite.port, timeout: 20)
        try connection.send("POST /invoke?fn=\(id) HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n")
        let chunk = "64\r\n" + String(repeating: "d", count: 100) + "\r\n"
        // 11 chunks of 100 bytes: the 11th passes the 1024-byte limit. The body stays open.
        for _ in 0..<11 { try connection.send(chunk) }
        let response = try connection.readResponse()
        XCTAssertEqual(response.status, 413, "\(response)")
        XCTAssertTrue(connection.waitForClose(timeout: 10), "the gateway closes after refusing")
    }

    /// A client that keeps streaming a body far over the limit still gets its 413 (not a reset
    /// or a silent close), and gets it without having sent the end of the body.
    func testChunkedBodyStreamedFarOverTheLimitGets413() throws {
        let suite = try suite
        let id = try suite.deployOK(uniqueName("chunkflood"), "python", source: "print('never')\n")
        let connection = try HTTPConnection(port: suite.port, timeout: 20)
        try connection.send("POST /invoke?fn=\(id) HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n")
        let chunk = Array(("200\r\n" + String(repeating: "e", count: 512) + "\r\n").utf8)
        // 256 KiB in one go; the gateway may stop reading (or close) part way: sends may fail.
        try? connection.send(Array([[UInt8]](repeating: chunk, count: 512).joined()))
        let response = try connection.readResponse()
        XCTAssertEqual(response.status, 413, "\(response)")
    }
}
