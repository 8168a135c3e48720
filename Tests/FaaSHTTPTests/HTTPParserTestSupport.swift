import Foundation
import XCTest

import FaaSHTTP

/// Drives an `HTTPRequestParser` the way the gateway does: append each read to a buffer, parse
/// until `.needMoreBytes`, compact. Records every non-`needMoreBytes` result and checks the
/// progress invariants the gateway relies on (no result without consuming, bounded calls, errors
/// are sticky).
struct HTTPParserDriver {
    var parser: HTTPRequestParser
    var buffer: [UInt8] = []
    var consumed = 0
    var results: [HTTPParseResult] = []
    var failed = false
    /// Compact the buffer after each read (true) or let it grow (false): both must behave the same.
    var compact: Bool

    init(limits: HTTPParserLimits = HTTPParserLimits(), requireHost: Bool = true, compact: Bool = true) {
        parser = HTTPRequestParser(limits: limits, requireHost: requireHost)
        self.compact = compact
    }

    /// Feeds one read. Returns a description of a violated invariant, or nil.
    mutating func feed(_ bytes: some Collection<UInt8>) -> String? {
        if failed { return nil }
        buffer.append(contentsOf: bytes)
        var calls = 0
        let budget = buffer.count - consumed + 4
        while true {
            calls += 1
            if calls > budget { return "parser did not make progress after \(calls) calls" }
            let before = consumed
            let result = parser.parse(buffer, consumed: &consumed)
            if consumed < before || consumed > buffer.count { return "consumed moved out of range" }
            switch result {
            case .needMoreBytes:
                if compact {
                    buffer.removeFirst(consumed)
                    consumed = 0
                }
                return nil
            case .error(let error):
                results.append(result)
                failed = true
                var again = consumed
                if parser.parse(buffer, consumed: &again) != .error(error) { return "error was not sticky" }
                return nil
            case .headComplete, .request:
                if consumed == before { return "\(result) returned without consuming input" }
                results.append(result)
            }
        }
    }
}

/// Feeds `input` cut at `cuts` (sorted offsets) and returns the results.
func parseResults(
    _ input: [UInt8], cuts: [Int] = [], limits: HTTPParserLimits = HTTPParserLimits(), requireHost: Bool = true,
    compact: Bool = true, file: StaticString = #filePath, line: UInt = #line
) -> [HTTPParseResult] {
    var driver = HTTPParserDriver(limits: limits, requireHost: requireHost, compact: compact)
    var start = 0
    for cut in cuts + [input.count] where cut >= start {
        if let problem = driver.feed(input[start..<cut]) {
            XCTFail("\(problem) (cuts \(cuts))", file: file, line: line)
        }
        start = cut
    }
    return driver.results
}

func parseResults(
    _ input: String, cuts: [Int] = [], limits: HTTPParserLimits = HTTPParserLimits(), requireHost: Bool = true,
    file: StaticString = #filePath, line: UInt = #line
) -> [HTTPParseResult] {
    parseResults(Array(input.utf8), cuts: cuts, limits: limits, requireHost: requireHost, file: file, line: line)
}

/// The requests among `results` (dropping `.headComplete`).
func requests(_ results: [HTTPParseResult]) -> [HTTPRequest] {
    results.compactMap { if case .request(let r) = $0 { return r } else { return nil } }
}

/// The single error among `results`, if the last result is one.
func lastError(_ results: [HTTPParseResult]) -> HTTPParseError? {
    if case .error(let e)? = results.last { return e }
    return nil
}

/// Printable form of raw input for failure messages.
func escaped(_ bytes: [UInt8]) -> String {
    var s = ""
    for b in bytes {
        switch b {
        case 0x0D: s += "\\r"
        case 0x0A: s += "\\n"
        case 0x5C: s += "\\\\"
        case 0x20..<0x7F: s.append(Character(Unicode.Scalar(b)))
        default: s += String(format: "\\x%02x", b)
        }
    }
    return s
}

/// Feeds `input` cut at `cuts` without asserting; returns the results and any invariant violation.
func runParser(
    _ input: [UInt8], cuts: [Int], limits: HTTPParserLimits, compact: Bool = true
) -> (results: [HTTPParseResult], problem: String?) {
    var driver = HTTPParserDriver(limits: limits, compact: compact)
    var start = 0
    for cut in cuts + [input.count] where cut >= start {
        if let problem = driver.feed(input[start..<cut]) { return (driver.results, problem) }
        start = cut
    }
    return (driver.results, nil)
}

/// A request stream and the limits to parse it with.
struct HTTPSample {
    var name: String
    var bytes: [UInt8]
    var limits = HTTPParserLimits()

    init(_ name: String, _ text: String, limits: HTTPParserLimits = HTTPParserLimits()) {
        self.name = name
        self.bytes = Array(text.utf8)
        self.limits = limits
    }
}

/// Small limits so that limit errors are reachable with short inputs.
let smallHTTPLimits = HTTPParserLimits(
    maxHeadSize: 300, maxBodySize: 10, maxURILength: 100, maxTrailerSize: 40, maxChunkLineLength: 20)

/// Valid and invalid request streams covering every parser path; used by the split and fuzz tests.
let httpSamples: [HTTPSample] = [
    HTTPSample("get", "GET / HTTP/1.1\r\nHost: localhost:8080\r\nUser-Agent: curl/8.5.0\r\nAccept: */*\r\n\r\n"),
    HTTPSample(
        "post-content-length",
        "POST /invoke?fn=hello_1&x=a+b%21 HTTP/1.1\r\nHost: h\r\nContent-Type: text/plain\r\nContent-Length: 11\r\n\r\nhello world"),
    HTTPSample(
        "chunked-extensions-trailers",
        "POST /deploy?name=f&lang=js HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n"
            + "5;ext=1\r\nhello\r\n6 ; a=\"b c\";d\r\n world\r\n0\r\nX-Trailer: yes\r\nX-Other: 2\r\n\r\n"),
    HTTPSample(
        "pipelined",
        "GET /1 HTTP/1.1\r\nHost: h\r\n\r\nPOST /2 HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\n\r\nabc"
            + "POST /3 HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nxy\r\n0\r\n\r\n"
            + "GET /4 HTTP/1.0\r\nConnection: keep-alive\r\n\r\nGET /5 HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n"),
    HTTPSample("bare-lf", "GET /x HTTP/1.0\nUser-Agent: t\n\nPOST / HTTP/1.1\nHost: h\nTransfer-Encoding: chunked\n\n3\nabc\n0\n\n"),
    HTTPSample("leading-crlf", "\r\n\r\n\nGET / HTTP/1.1\r\nHost: h\r\n\r\n\r\nGET /b HTTP/1.1\r\nHost: h\r\n\r\n"),
    HTTPSample(
        "expect-continue",
        "PUT /f HTTP/1.1\r\nHost: h\r\nExpect: 100-continue\r\nContent-Length: 4\r\n\r\nbodyGET / HTTP/1.1\r\nHost: h\r\n\r\n"),
    HTTPSample("folding-after-valid", "GET / HTTP/1.1\r\nHost: h\r\n\r\nGET / HTTP/1.1\r\nHost: h\r\n Folded: x\r\n\r\n"),
    HTTPSample(
        "smuggling",
        "GET / HTTP/1.1\r\nHost: h\r\n\r\nPOST / HTTP/1.1\r\nHost: h\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nGET /admin HTTP/1.1\r\n\r\n"
    ),
    HTTPSample("chunk-missing-crlf", "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabcd\r\n0\r\n\r\n"),
    HTTPSample("uri-too-long", "GET /" + String(repeating: "u", count: 120) + " HTTP/1.1\r\nHost: h\r\n\r\n", limits: smallHTTPLimits),
    HTTPSample("uri-at-limit-no-version", "GET /" + String(repeating: "u", count: 99) + "\r\n\r\n", limits: smallHTTPLimits),
    HTTPSample("uri-over-limit-no-version", "GET /" + String(repeating: "u", count: 100) + "\r\n\r\n", limits: smallHTTPLimits),
    HTTPSample(
        "head-too-large", "GET / HTTP/1.1\r\nHost: h\r\nX: " + String(repeating: "h", count: 300) + "\r\n\r\n",
        limits: smallHTTPLimits),
    HTTPSample(
        "method-64", String(repeating: "M", count: 64) + " / HTTP/1.1\r\nHost: h\r\n\r\n" + String(repeating: "M", count: 65)
            + " / HTTP/1.1\r\n\r\n"),
    HTTPSample(
        "chunked-over-limit",
        "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n6\r\nabcdef\r\n5\r\nghijk\r\n0\r\n\r\n",
        limits: smallHTTPLimits),
    HTTPSample(
        "content-length-over-limit", "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 11\r\n\r\nabcdefghijk",
        limits: smallHTTPLimits),
    HTTPSample(
        "small-ok", "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n5;e=1\r\nabcde\r\n0\r\nT: 1\r\n\r\n",
        limits: smallHTTPLimits),
    HTTPSample(
        "trailers-too-large",
        "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nX-A: 0123456789\r\nX-B: 0123456789\r\nX-C: 0123456789\r\n\r\n",
        limits: smallHTTPLimits),
    HTTPSample(
        "chunk-line-too-long",
        "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n1;" + String(repeating: "e", count: 30) + "\r\nx\r\n0\r\n\r\n",
        limits: smallHTTPLimits),
    HTTPSample("version-505", "GET / HTTP/1.1\r\nHost: h\r\n\r\nGET / HTTP/2.0\r\nHost: h\r\n\r\n"),
    HTTPSample("unknown-te", "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: gzip, chunked\r\n\r\n"),
    HTTPSample("bad-percent", "GET /x?a=%G1 HTTP/1.1\r\nHost: h\r\n\r\n"),
]
