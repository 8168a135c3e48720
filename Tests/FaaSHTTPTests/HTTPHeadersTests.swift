import XCTest

import FaaSHTTP

final class HTTPHeadersTests: XCTestCase {
    func testCaseInsensitiveLookupKeepsOrder() {
        var headers: HTTPHeaders = ["Content-Type": "text/plain", "X-A": "1"]
        headers.add(name: "x-a", value: "2")
        XCTAssertEqual(headers["X-A"], ["1", "2"])
        XCTAssertEqual(headers.first(name: "CONTENT-TYPE"), "text/plain")
        XCTAssertTrue(headers.contains(name: "content-type"))
        XCTAssertFalse(headers.contains(name: "content-typ"))
        XCTAssertEqual(headers.count, 3)
        XCTAssertEqual(headers.map(\.name), ["Content-Type", "X-A", "x-a"])
    }

    func testReplaceAndRemove() {
        var headers: HTTPHeaders = ["A": "1", "b": "2", "a": "3"]
        headers.replaceOrAdd(name: "a", value: "4")
        XCTAssertEqual(headers.map { "\($0.name)=\($0.value)" }, ["b=2", "a=4"])
        headers.remove(name: "B")
        XCTAssertEqual(headers.map(\.name), ["a"])
        headers.remove(name: "missing")
        XCTAssertEqual(headers.count, 1)
    }

    func testTokenLists() {
        let headers: HTTPHeaders = ["Connection": "Upgrade,  Keep-Alive ", "connection": "x", "Expect": "100-Continue"]
        XCTAssertTrue(headers.containsToken("keep-alive", inField: "connection"))
        XCTAssertTrue(headers.containsToken("X", inField: "Connection"))
        XCTAssertFalse(headers.containsToken("close", inField: "connection"))
        XCTAssertFalse(headers.containsToken("keep", inField: "connection"))
        XCTAssertTrue(headers.containsToken("100-continue", inField: "expect"))
    }

    func testEqualityIsOrderSensitive() {
        XCTAssertEqual(HTTPHeaders([("A", "1"), ("B", "2")]), ["A": "1", "B": "2"])
        XCTAssertNotEqual(HTTPHeaders([("A", "1"), ("B", "2")]), ["B": "2", "A": "1"])
    }
}
