import XCTest

@testable import FaaSGateway

final class IDSequenceTests: XCTestCase {
    func testIdsArePrefixedRandomPerProcessAndCounted() throws {
        var first = IDSequence(prefix: "inv")
        var second = IDSequence(prefix: "inv")
        let a = first.next(), b = first.next(), c = second.next()
        let parts = a.split(separator: "_")
        XCTAssertEqual(parts.count, 3, a)
        XCTAssertEqual(parts[0], "inv")
        XCTAssertEqual(parts[1].count, 12, "the random part keeps its width: \(a)")
        XCTAssertTrue(parts[1].allSatisfy(\.isHexDigit), a)
        XCTAssertEqual(parts[2], "1")
        XCTAssertEqual(b, String(a.dropLast()) + "2")
        XCTAssertNotEqual(c, a, "another sequence (another process) draws another random part")
        XCTAssertTrue(InvocationIDs.isValid(a))
    }

    func testRequestIDsKeepAUsableIncomingIdAndMakeTheirOwnOtherwise() {
        var ids = RequestIDs()
        XCTAssertEqual(ids.id(for: "abc-123"), "abc-123")
        XCTAssertTrue(ids.id(for: "bad id\r\n").hasPrefix("req_"))
        XCTAssertTrue(ids.id(for: nil).hasSuffix("_2"), "the counter went on")
    }
}
