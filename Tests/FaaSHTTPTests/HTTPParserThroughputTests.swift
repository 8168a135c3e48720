import XCTest
import FaaSHTTP

/// Rough throughput numbers for the hot path (printed, not asserted tightly: debug builds are ~10x
/// slower than release). Run `swift test -c release --filter HTTPParserThroughputTests` for real numbers.
final class HTTPParserThroughputTests: XCTestCase {
    private func measureRate(_ label: String, requests total: Int, _ body: () -> Int) -> Double {
        let clock = ContinuousClock()
        var handled = 0
        let elapsed = clock.measure { handled = body() }
        XCTAssertEqual(handled, total, label)
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        let rate = Double(total) / max(seconds, 1e-9)
        print("HTTP throughput \(label): \(Int(rate)) req/s (\(total) in \(String(format: "%.3f", seconds)) s)")
        return rate
    }

    private func parseRepeatedly(_ request: String, copiesPerRead: Int, reads: Int) -> Int {
        let read = Array(String(repeating: request, count: copiesPerRead).utf8)
        var parser = HTTPRequestParser()
        var count = 0
        for _ in 0..<reads {
            var consumed = 0
            parse: while true {
                switch parser.parse(read, consumed: &consumed) {
                case .request: count += 1
                case .headComplete: continue
                case .needMoreBytes, .error: break parse
                }
            }
        }
        return count
    }

    func testParserThroughput() {
        let wrk = "GET /invoke?fn=hello_1 HTTP/1.1\r\nHost: 127.0.0.1:8080\r\n\r\n"
        let curl =
            "POST /invoke?fn=hello_1 HTTP/1.1\r\nHost: localhost:8080\r\nUser-Agent: curl/8.5.0\r\nAccept: */*\r\n"
            + "Content-Type: application/json\r\nContent-Length: 12\r\n\r\n{\"name\":\"x\"}"
        let rate = measureRate("wrk GET, one per read", requests: 50_000) { parseRepeatedly(wrk, copiesPerRead: 1, reads: 50_000) }
        _ = measureRate("wrk GET, 16 pipelined per read", requests: 50_000) { parseRepeatedly(wrk, copiesPerRead: 16, reads: 3_125) }
        _ = measureRate("curl POST with body, one per read", requests: 50_000) {
            parseRepeatedly(curl, copiesPerRead: 1, reads: 50_000)
        }
        XCTAssertGreaterThan(rate, 10_000, "the parser alone must sustain well over the gateway's target rate")
    }

    func testSerializerThroughput() {
        let response = HTTPResponse(status: .ok, body: #"{"ok":true,"output":"Hello, World!"}"#)
        var buffer: [UInt8] = []
        buffer.reserveCapacity(256)
        _ = measureRate("serialize 200 JSON into a reused buffer", requests: 100_000) {
            var n = 0
            for _ in 0..<100_000 {
                buffer.removeAll(keepingCapacity: true)
                response.serialize(keepAlive: true, into: &buffer)
                n += buffer.isEmpty ? 0 : 1
            }
            return n
        }
    }
}
