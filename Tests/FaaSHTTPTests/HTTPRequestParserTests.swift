import XCTest

import FaaSHTTP

final class HTTPRequestParserTests: XCTestCase {
    // MARK: - Well-formed requests

    func testSimpleGet() throws {
        let results = parseResults("GET / HTTP/1.1\r\nHost: localhost:8080\r\nUser-Agent: curl/8.5.0\r\nAccept: */*\r\n\r\n")
        XCTAssertEqual(results.count, 1)
        let request = try XCTUnwrap(requests(results).first)
        XCTAssertEqual(request.method, .GET)
        XCTAssertEqual(request.target, "/")
        XCTAssertEqual(request.path, "/")
        XCTAssertNil(request.head.query)
        XCTAssertEqual(request.queryItems, [])
        XCTAssertEqual(request.version, .http1_1)
        XCTAssertEqual(request.headers.count, 3)
        XCTAssertEqual(request.headers.first(name: "host"), "localhost:8080")
        XCTAssertEqual(request.headers.first(name: "USER-AGENT"), "curl/8.5.0")
        XCTAssertEqual(request.body, [])
        XCTAssertTrue(request.keepAlive)
    }

    func testHeaderOrderDuplicatesAndWhitespaceAreKept() throws {
        let results = parseResults("GET / HTTP/1.1\r\nHost: a\r\nX-A:  1 \t\r\nx-b:2\r\nX-A: 3\r\nEmpty:\r\n\r\n")
        let request = try XCTUnwrap(requests(results).first)
        XCTAssertEqual(
            Array(request.headers.map { "\($0.name)=\($0.value)" }), ["Host=a", "X-A=1", "x-b=2", "X-A=3", "Empty="])
        XCTAssertEqual(request.headers["x-a"], ["1", "3"])
        XCTAssertEqual(request.headers.first(name: "empty"), "")
    }

    func testQueryItemsArePercentDecodedWithPlusAsSpace() throws {
        let results = parseResults(
            "POST /invoke?fn=hello_1&x=a+b%21&flag&empty=&&caf%C3%A9=%E2%9C%93 HTTP/1.1\r\nHost: h\r\n\r\n")
        let request = try XCTUnwrap(requests(results).first)
        XCTAssertEqual(request.path, "/invoke")
        XCTAssertEqual(request.head.query, "fn=hello_1&x=a+b%21&flag&empty=&&caf%C3%A9=%E2%9C%93")
        XCTAssertEqual(
            request.queryItems,
            [
                HTTPQueryItem(name: "fn", value: "hello_1"), HTTPQueryItem(name: "x", value: "a b!"),
                HTTPQueryItem(name: "flag", value: ""), HTTPQueryItem(name: "empty", value: ""),
                HTTPQueryItem(name: "café", value: "✓"),
            ])
        XCTAssertEqual(request.queryValue("fn"), "hello_1")
        XCTAssertNil(request.queryValue("missing"))
    }

    func testPathIsNotPercentDecoded() throws {
        let request = try XCTUnwrap(requests(parseResults("GET /function/a%2Fb HTTP/1.1\r\nHost: h\r\n\r\n")).first)
        XCTAssertEqual(request.path, "/function/a%2Fb")
    }

    func testAbsoluteFormAndAsteriskTargets() throws {
        var r = try XCTUnwrap(requests(parseResults("GET http://example.com:8080/health?x=1 HTTP/1.1\r\nHost: h\r\n\r\n")).first)
        XCTAssertEqual(r.path, "/health")
        XCTAssertEqual(r.queryValue("x"), "1")
        r = try XCTUnwrap(requests(parseResults("GET HTTPS://example.com HTTP/1.1\r\nHost: h\r\n\r\n")).first)
        XCTAssertEqual(r.path, "/")
        r = try XCTUnwrap(requests(parseResults("OPTIONS * HTTP/1.1\r\nHost: h\r\n\r\n")).first)
        XCTAssertEqual(r.path, "*")
        XCTAssertEqual(lastError(parseResults("GET * HTTP/1.1\r\nHost: h\r\n\r\n"))?.status, .badRequest)
        XCTAssertEqual(lastError(parseResults("GET example.com/ HTTP/1.1\r\nHost: h\r\n\r\n"))?.status, .badRequest)
    }

    func testAnyTokenIsAMethod() throws {
        let r = try XCTUnwrap(requests(parseResults("PROPFIND /x HTTP/1.1\r\nHost: h\r\n\r\n")).first)
        XCTAssertEqual(r.method.rawValue, "PROPFIND")
        let lower = try XCTUnwrap(requests(parseResults("get /x HTTP/1.1\r\nHost: h\r\n\r\n")).first)
        XCTAssertEqual(lower.method.rawValue, "get")  // methods are case-sensitive: not GET
        XCTAssertNotEqual(lower.method, .GET)
    }

    func testContentLengthBodyReportsHeadThenRequest() throws {
        let results = parseResults("POST /invoke?fn=f HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\n\r\nhello")
        XCTAssertEqual(results.count, 2)
        guard case .headComplete(let head) = results[0], case .request(let request) = results[1] else {
            return XCTFail("unexpected \(results)")
        }
        XCTAssertEqual(head, request.head)
        XCTAssertEqual(head.contentLength, 5)
        XCTAssertFalse(head.expectsContinue)
        XCTAssertEqual(request.body, Array("hello".utf8))
    }

    func testZeroContentLengthAndGetWithoutLengthHaveNoBody() throws {
        for input in [
            "POST /x HTTP/1.1\r\nHost: h\r\nContent-Length: 0\r\n\r\n", "GET /x HTTP/1.1\r\nHost: h\r\n\r\n",
            "DELETE /x HTTP/1.1\r\nHost: h\r\n\r\n",
        ] {
            let results = parseResults(input + "GET /next HTTP/1.1\r\nHost: h\r\n\r\n")
            XCTAssertEqual(results.count, 2, input)
            XCTAssertEqual(requests(results).map(\.body), [[], []])
            XCTAssertEqual(requests(results).last?.path, "/next")
        }
    }

    func testExpectContinueIsReportedWithTheHead() throws {
        var driver = HTTPParserDriver()
        XCTAssertNil(driver.feed(Array("POST /deploy?name=f&lang=js HTTP/1.1\r\nHost: h\r\nContent-Length: 11\r\nExpect: 100-continue\r\n\r\n".utf8)))
        XCTAssertEqual(driver.results.count, 1)
        guard case .headComplete(let head) = driver.results.first else { return XCTFail("\(driver.results)") }
        XCTAssertTrue(head.expectsContinue)
        XCTAssertEqual(HTTPResponse.continueBytes, Array("HTTP/1.1 100 Continue\r\n\r\n".utf8))
        XCTAssertNil(driver.feed(Array("hello".utf8)))
        XCTAssertEqual(driver.results.count, 1)
        XCTAssertNil(driver.feed(Array(" world".utf8)))
        XCTAssertEqual(requests(driver.results).first?.body, Array("hello world".utf8))

        // HTTP/1.0 clients' expectations are ignored (RFC 9110 §10.1.1).
        let old = parseResults("POST / HTTP/1.0\r\nExpect: 100-continue\r\nContent-Length: 1\r\n\r\nx")
        guard case .headComplete(let oldHead)? = old.first else { return XCTFail("\(old)") }
        XCTAssertFalse(oldHead.expectsContinue)
    }

    func testTooLargeContentLengthIsRefusedFromTheHeadAlone() {
        var driver = HTTPParserDriver(limits: HTTPParserLimits(maxBodySize: 100))
        XCTAssertNil(driver.feed(Array("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 101\r\nExpect: 100-continue\r\n\r\n".utf8)))
        XCTAssertEqual(driver.results, [.error(HTTPParseError(status: .payloadTooLarge, message: "request body too large"))])
        // Exactly at the limit is fine.
        let ok = parseResults(
            Array("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 100\r\n\r\n".utf8) + [UInt8](repeating: 0x61, count: 100),
            limits: HTTPParserLimits(maxBodySize: 100))
        XCTAssertEqual(requests(ok).first?.body.count, 100)
    }

    func testKeepAliveRules() throws {
        func keepAlive(_ version: String, _ connection: String?) throws -> Bool {
            let field = connection.map { "Connection: \($0)\r\n" } ?? ""
            let results = parseResults("GET / \(version)\r\nHost: h\r\n\(field)\r\n")
            return try XCTUnwrap(requests(results).first, "\(results)").keepAlive
        }
        XCTAssertFalse(try keepAlive("HTTP/1.0", nil))
        XCTAssertTrue(try keepAlive("HTTP/1.0", "keep-alive"))
        XCTAssertTrue(try keepAlive("HTTP/1.0", "Keep-Alive"))
        XCTAssertFalse(try keepAlive("HTTP/1.0", "close"))
        XCTAssertTrue(try keepAlive("HTTP/1.1", nil))
        XCTAssertFalse(try keepAlive("HTTP/1.1", "close"))
        XCTAssertFalse(try keepAlive("HTTP/1.1", "Upgrade, CLOSE"))
        XCTAssertTrue(try keepAlive("HTTP/1.1", "keep-alive, Upgrade"))
        XCTAssertTrue(try keepAlive("HTTP/1.1", "closed"))
    }

    func testChunkedBodyWithExtensionsAndTrailers() throws {
        let input =
            "POST /deploy?name=f&lang=py HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n"
            + "5;ext=1\r\nhello\r\n6 ; a=\"b c\";d\r\n world\r\n000A\r\n0123456789\r\n"
            + "0\r\nX-Checksum: abc\r\nX-Other:  2 \r\n\r\n"
        let results = parseResults(input)
        XCTAssertEqual(results.count, 2)
        guard case .headComplete(let head) = results.first else { return XCTFail("\(results)") }
        XCTAssertTrue(head.isChunked)
        XCTAssertNil(head.contentLength)
        let request = try XCTUnwrap(requests(results).first)
        XCTAssertEqual(request.body, Array("hello world0123456789".utf8))
        XCTAssertEqual(request.trailers, ["X-Checksum": "abc", "X-Other": "2"])
        XCTAssertNil(request.headers.first(name: "x-checksum"), "trailers are never merged into headers")
    }

    func testChunkedBodyWithoutTrailersAndBareLF() throws {
        let results = parseResults(
            "POST / HTTP/1.1\nHost: h\nTransfer-Encoding: chunked\n\n3\nabc\n0\n\nGET /2 HTTP/1.1\nHost: h\n\n")
        XCTAssertEqual(requests(results).map(\.body), [Array("abc".utf8), []])
        XCTAssertEqual(requests(results).map(\.path), ["/", "/2"])
    }

    func testChunkedEmptyBody() throws {
        let results = parseResults("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: Chunked\r\n\r\n0\r\n\r\n")
        XCTAssertEqual(results.count, 2)
        XCTAssertEqual(requests(results).first?.body, [])
    }

    func testPipelinedRequestsComeOutInOrder() throws {
        let input =
            "GET /1 HTTP/1.1\r\nHost: h\r\n\r\n"
            + "POST /2 HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\n\r\nabc"
            + "POST /3 HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nxy\r\n0\r\n\r\n"
            + "GET /4 HTTP/1.0\r\n\r\n"
            + "GET /5 HTTP/1.1\r\nHost: h\r\n"  // incomplete
        let results = parseResults(input)
        XCTAssertEqual(requests(results).map(\.path), ["/1", "/2", "/3", "/4"])
        XCTAssertEqual(requests(results).map(\.body), [[], Array("abc".utf8), Array("xy".utf8), []])
        XCTAssertEqual(results.count, 6)  // two heads reported before their bodies
    }

    func testLeadingEmptyLinesAreIgnored() throws {
        let results = parseResults("\r\n\n\r\nGET / HTTP/1.1\r\nHost: h\r\n\r\n\r\n")
        XCTAssertEqual(requests(results).count, 1)
        XCTAssertEqual(results.count, 1)
    }

    func testHostRequirement() throws {
        XCTAssertEqual(lastError(parseResults("GET / HTTP/1.1\r\n\r\n"))?.message, "missing Host header")
        XCTAssertEqual(lastError(parseResults("GET / HTTP/1.1\r\nHost: a\r\nhost: b\r\n\r\n"))?.message, "multiple Host headers")
        XCTAssertEqual(requests(parseResults("GET / HTTP/1.0\r\n\r\n")).count, 1, "HTTP/1.0 needs no Host")
        XCTAssertEqual(requests(parseResults("GET / HTTP/1.1\r\n\r\n", requireHost: false)).count, 1)
    }

    func testIdenticalContentLengthsAreAccepted() throws {
        for fields in ["Content-Length: 3\r\nContent-Length: 3\r\n", "Content-Length: 3, 3\r\n", "Content-Length: 003\r\n"] {
            let results = parseResults("POST / HTTP/1.1\r\nHost: h\r\n\(fields)\r\nabc")
            XCTAssertEqual(requests(results).first?.body, Array("abc".utf8), fields)
        }
    }

    func testIsIdle() {
        var parser = HTTPRequestParser()
        XCTAssertTrue(parser.isIdle)
        var consumed = 0
        let partial = Array("GET / HT".utf8)
        XCTAssertEqual(parser.parse(partial, consumed: &consumed), .needMoreBytes)
        XCTAssertFalse(parser.isIdle)
        let full = Array("GET / HTTP/1.1\r\nHost: h\r\n\r\n".utf8)
        consumed = 0
        guard case .request = parser.parse(full, consumed: &consumed) else { return XCTFail() }
        XCTAssertEqual(consumed, full.count)
        XCTAssertTrue(parser.isIdle)
    }

    func testUnsafeBufferPointerEntryPoint() {
        var parser = HTTPRequestParser()
        let bytes = Array("GET /a HTTP/1.1\r\nHost: h\r\n\r\nGET /b HTTP/1.1\r\nHost: h\r\n\r\n".utf8)
        var consumed = 0
        var paths: [String] = []
        bytes.withUnsafeBufferPointer { buffer in
            while case .request(let r) = parser.parse(buffer, consumed: &consumed) { paths.append(r.path) }
        }
        XCTAssertEqual(paths, ["/a", "/b"])
        XCTAssertEqual(consumed, bytes.count)
    }

    func testRequestHeadPublicInitializerMatchesTheParser() throws {
        let head = try HTTPRequestHead(method: .POST, target: "/invoke?fn=a+b&x=%41", headers: ["Host": "h"])
        XCTAssertEqual(head.path, "/invoke")
        XCTAssertEqual(head.queryItems, [HTTPQueryItem(name: "fn", value: "a b"), HTTPQueryItem(name: "x", value: "A")])
        let parsed = try XCTUnwrap(requests(parseResults("POST /invoke?fn=a+b&x=%41 HTTP/1.1\r\nHost: h\r\n\r\n")).first)
        XCTAssertEqual(parsed.head, head)
        XCTAssertThrowsError(try HTTPRequestHead(method: .GET, target: "/x?a=%zz"))
    }

    // MARK: - Errors

    private func assertError(
        _ input: String, _ status: Int, _ message: String? = nil, limits: HTTPParserLimits = HTTPParserLimits(),
        file: StaticString = #filePath, line: UInt = #line
    ) {
        assertError(Array(input.utf8), status, message, limits: limits, file: file, line: line)
    }

    private func assertError(
        _ input: [UInt8], _ status: Int, _ message: String? = nil, limits: HTTPParserLimits = HTTPParserLimits(),
        file: StaticString = #filePath, line: UInt = #line
    ) {
        let results = parseResults(input, limits: limits, file: file, line: line)
        guard let error = lastError(results) else {
            return XCTFail("expected \(status) for \(escaped(Array(input.prefix(200)))), got \(results)", file: file, line: line)
        }
        XCTAssertEqual(error.status.code, status, "\(error) for \(escaped(Array(input.prefix(200))))", file: file, line: line)
        if let message { XCTAssertEqual(error.message, message, file: file, line: line) }
    }

    func testMalformedRequestLinesAre400() {
        assertError("GET /\r\n\r\n", 400, "malformed request line")
        assertError("GET\r\n\r\n", 400, "malformed request line")
        assertError("GET  / HTTP/1.1\r\nHost: h\r\n\r\n", 400)
        assertError(" GET / HTTP/1.1\r\nHost: h\r\n\r\n", 400)
        assertError("GET / HTTP/1.1 \r\nHost: h\r\n\r\n", 400)
        assertError("GET /a b HTTP/1.1\r\nHost: h\r\n\r\n", 400)
        assertError("GE(T / HTTP/1.1\r\nHost: h\r\n\r\n", 400, "invalid request method")
        assertError("GET / http/1.1\r\nHost: h\r\n\r\n", 400, "malformed HTTP version")
        assertError("GET / HTTP/1.1x\r\nHost: h\r\n\r\n", 400, "malformed HTTP version")
        assertError("GET / HTTP/11\r\nHost: h\r\n\r\n", 400, "malformed HTTP version")
        assertError("GET / HTTP/1.1\rHost: h\r\n\r\n", 400)
        assertError(Array("GET /caf".utf8) + [0xC3, 0xA9] + Array(" HTTP/1.1\r\nHost: h\r\n\r\n".utf8), 400)
        assertError("GET /\u{7F} HTTP/1.1\r\nHost: h\r\n\r\n", 400, "invalid character in request target")
        assertError("\r\rGET / HTTP/1.1\r\nHost: h\r\n\r\n", 400)
        assertError(String(repeating: "A", count: 65) + " / HTTP/1.1\r\nHost: h\r\n\r\n", 400, "request method too long")
        assertError(String(repeating: "A", count: 5000), 400, "request method too long")
    }

    func testBadQueriesAre400() {
        assertError("GET /x?a=%zz HTTP/1.1\r\nHost: h\r\n\r\n", 400, "invalid percent-encoding in query")
        assertError("GET /x?a=%4 HTTP/1.1\r\nHost: h\r\n\r\n", 400, "invalid percent-encoding in query")
        assertError("GET /x?a=% HTTP/1.1\r\nHost: h\r\n\r\n", 400, "invalid percent-encoding in query")
        assertError("GET /x?a=%ff HTTP/1.1\r\nHost: h\r\n\r\n", 400, "query is not valid UTF-8")
    }

    func testMalformedHeadersAre400() {
        assertError("GET / HTTP/1.1\r\nHost: h\r\nX-Folded: a\r\n b\r\n\r\n", 400, "obsolete header line folding")
        assertError("GET / HTTP/1.1\r\nHost: h\r\nX-Folded: a\r\n\tb\r\n\r\n", 400, "obsolete header line folding")
        assertError("GET / HTTP/1.1\r\n Host: h\r\n\r\n", 400, "obsolete header line folding")
        assertError("GET / HTTP/1.1\r\nHost: h\r\nNoColon\r\n\r\n", 400, "header line without colon")
        assertError("GET / HTTP/1.1\r\nHost : h\r\n\r\n", 400, "invalid header name")
        assertError("GET / HTTP/1.1\r\nHo(st: h\r\n\r\n", 400, "invalid header name")
        assertError("GET / HTTP/1.1\r\n: h\r\n\r\n", 400, "empty header name")
        assertError("GET / HTTP/1.1\r\nHost: h\r\nX: a\rb\r\n\r\n", 400, "invalid character in header value")
        assertError("GET / HTTP/1.1\r\nHost: h\r\nX: a\u{0}b\r\n\r\n", 400, "invalid character in header value")
        assertError("GET / HTTP/1.1\r\nHost: h\r\nX: a\u{7F}\r\n\r\n", 400, "invalid character in header value")
        assertError("GET / HTTP/1.1\r\nHost: h\r\n\r\r\n\r\n", 400)
    }

    func testBadContentLengthsAre400() {
        for value in ["-1", "+5", "abc", "", "5 5", "0x10", "1.0", "5,", ",5"] {
            assertError("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: \(value)\r\n\r\n", 400, "invalid Content-Length")
        }
        assertError(
            "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabcd", 400,
            "conflicting Content-Length values")
        assertError("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 3, 4\r\n\r\nabcd", 400, "conflicting Content-Length values")
        assertError(
            "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 99999999999999999999999\r\n\r\n", 413, "request body too large")
        assertError("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 8388609\r\n\r\n", 413)
    }

    func testTransferEncodingRules() {
        assertError(
            "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 400,
            "both Content-Length and Transfer-Encoding")
        assertError(
            "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n0\r\n\r\n", 400,
            "both Content-Length and Transfer-Encoding")
        assertError("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: gzip\r\n\r\n", 501, "unsupported Transfer-Encoding")
        assertError("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: gzip, chunked\r\n\r\n", 501)
        assertError("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: identity\r\n\r\n", 501)
        assertError("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked, chunked\r\n\r\n", 400, "chunked applied more than once")
        assertError("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: \r\n\r\n", 400, "empty Transfer-Encoding")
        assertError("POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 400)
    }

    func testBadChunkedFramingIs400() {
        let head = "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n"
        assertError(head + "zz\r\n", 400, "invalid chunk size")
        assertError(head + "\r\n", 400, "invalid chunk size")
        assertError(head + " 5\r\nhello\r\n0\r\n\r\n", 400, "invalid chunk size")
        assertError(head + "0x5\r\nhello\r\n0\r\n\r\n", 400, "invalid chunk size")
        assertError(head + "-5\r\n", 400, "invalid chunk size")
        assertError(head + "5 x\r\n", 400, "invalid chunk size")
        assertError(head + "5;a\u{1}\r\n", 400, "invalid chunk extension")
        assertError(head + "5\r\nhelloX\r\n0\r\n\r\n", 400, "missing CRLF after chunk data")
        assertError(head + "5\r\nhello\rX0\r\n\r\n", 400, "missing CRLF after chunk data")
        assertError(head + "5\r\nhello world\r\n", 400, "missing CRLF after chunk data")
        assertError(head + "5" + String(repeating: " ", count: 5000) + "\r\n", 400, "chunk size line too long")
        assertError(head + "0\r\n folded: x\r\n\r\n", 400, "obsolete header line folding")
        assertError(head + "0\r\nno colon\r\n\r\n", 400, "invalid header name")
    }

    /// Many small chunks: the 413 comes at the size line of the chunk that would take the running
    /// total past the limit, before its data and long before the last chunk.
    func testChunkedBodyIsRefusedOnceTheRunningTotalPassesTheLimit() {
        let head = "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n"
        let limits = HTTPParserLimits(maxBodySize: 10)
        let atTheLimit = head + String(repeating: "2\r\nab\r\n", count: 5)
        let results = parseResults(atTheLimit, limits: limits)
        XCTAssertNil(lastError(results), "exactly the limit is still fine: \(results)")
        XCTAssertTrue(requests(results).isEmpty, "the body is not finished")
        assertError(atTheLimit + "1\r\n", 413, "request body too large", limits: limits)
        for cut in atTheLimit.utf8.count...(atTheLimit.utf8.count + 2) {
            let results = parseResults(atTheLimit + "1\r\n", cuts: [cut], limits: limits)
            XCTAssertEqual(lastError(results)?.status.code, 413, "cut \(cut): \(results)")
        }
    }

    func testChunkedBodyLimitsAre413() {
        let head = "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n"
        let limits = HTTPParserLimits(maxBodySize: 10)
        assertError(head + "8\r\n12345678\r\n3\r\n", 413, "request body too large", limits: limits)
        assertError(head + "b\r\n", 413, limits: limits)
        assertError(head + "ffffffffffffffffffffffff\r\n", 413)
        XCTAssertEqual(
            requests(parseResults(head + "8\r\n12345678\r\n2\r\n90\r\n0\r\n\r\n", limits: limits)).first?.body.count, 10)
        XCTAssertEqual(
            requests(parseResults(head + "000000000000000000000008\r\n12345678\r\n0\r\n\r\n", limits: limits)).first?.body.count,
            8, "leading zeros do not count against the size")
    }

    func testTrailerSectionTooLargeIs431() {
        let head = "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n"
        assertError(head + "X: " + String(repeating: "a", count: 20000) + "\r\n\r\n", 431, "trailer section too large")
        assertError(head + "X: " + String(repeating: "a", count: 20000), 431, "trailer section too large")
        let many = String(repeating: "X-T: 0123456789\r\n", count: 1000)
        assertError(head + many + "\r\n", 431)
    }

    func testURITooLongIs414() {
        let long = "/" + String(repeating: "a", count: 8 * 1024)
        assertError("GET \(long) HTTP/1.1\r\nHost: h\r\n\r\n", 414, "request target too long")
        // Refused while still streaming, without waiting for the end of the line.
        assertError("GET \(long)", 414)
        // Exactly at the limit is fine.
        let atLimit = "/" + String(repeating: "a", count: 8 * 1024 - 1)
        XCTAssertEqual(requests(parseResults("GET \(atLimit) HTTP/1.1\r\nHost: h\r\n\r\n")).first?.target, atLimit)
        assertError("GET /abcdefghijk HTTP/1.1\r\nHost: h\r\n\r\n", 414, limits: HTTPParserLimits(maxURILength: 10))
    }

    func testHeadTooLargeIs431() {
        let big = "GET / HTTP/1.1\r\nHost: h\r\nX-Big: " + String(repeating: "b", count: 17000) + "\r\n\r\n"
        assertError(big, 431, "request head too large")
        // Refused while streaming, before the end of the head arrives.
        assertError(String(big.prefix(16 * 1024 + 10)), 431)
        let many = "GET / HTTP/1.1\r\nHost: h\r\n" + String(repeating: "X-A: 1\r\n", count: 3000)
        assertError(many, 431)
        assertError(
            "GET / HTTP/1.1\r\nHost: h\r\nX: " + String(repeating: "b", count: 300) + "\r\n\r\n", 431,
            limits: HTTPParserLimits(maxHeadSize: 300))
    }

    func testUnsupportedVersionsAre505() {
        for version in ["HTTP/2.0", "HTTP/1.2", "HTTP/0.9", "HTTP/3.0", "HTTP/9.9"] {
            assertError("GET / \(version)\r\nHost: h\r\n\r\n", 505, "HTTP version not supported")
        }
        assertError("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", 505)
    }

    func testErrorsAreStickyAndStopTheStream() {
        var parser = HTTPRequestParser()
        let bytes = Array("GET / HTTP/1.1\r\nHost: h\r\n\r\nBAD LINE\r\n\r\nGET / HTTP/1.1\r\nHost: h\r\n\r\n".utf8)
        var consumed = 0
        guard case .request = parser.parse(bytes, consumed: &consumed) else { return XCTFail() }
        guard case .error(let error) = parser.parse(bytes, consumed: &consumed) else { return XCTFail() }
        XCTAssertEqual(error.status, .badRequest)
        XCTAssertEqual(parser.parse(bytes, consumed: &consumed), .error(error))
        XCTAssertFalse(parser.isIdle)
    }

    func testParseErrorResponseIsJSON() {
        let error = HTTPParseError(status: .uriTooLong, message: "request target too long")
        let text = String(decoding: error.response.serialize(keepAlive: false), as: UTF8.self)
        XCTAssertEqual(
            text,
            "HTTP/1.1 414 URI Too Long\r\nContent-Type: application/json\r\nContent-Length: 46\r\nConnection: close\r\n\r\n"
                + #"{"error":"request target too long","ok":false}"#)
    }
}
