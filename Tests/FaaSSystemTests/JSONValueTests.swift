import XCTest
@testable import FaaSSystem

final class JSONValueTests: XCTestCase {
    private func parse(_ bytes: [UInt8]) throws -> JSONValue {
        try bytes.withUnsafeBufferPointer { try JSONValue.parse($0) }
    }

    func testStringsOfEveryKindDecode() throws {
        let value = try parse(Array(#"{"ascii":"hello_1795873921","accent":"été ✓","escaped":"a\"b\\c\n\u00e9\ud83d\ude00"}"#.utf8))
        XCTAssertEqual(value["ascii"], .string("hello_1795873921"))
        XCTAssertEqual(value["accent"], .string("été ✓"))
        XCTAssertEqual(value["escaped"], .string("a\"b\\c\né😀"))
    }

    /// The ASCII fast path must not let other bytes through unchecked.
    func testInvalidUTF8InAStringIsRefused() {
        for bad: [UInt8] in [[0xFF], [0xC3], [0xC3, 0x28], [0xF0, 0x9F, 0x98], [0xED, 0xA0, 0x80]] {
            let bytes = Array(#"{"k":"ab"#.utf8) + bad + Array(#"cd"}"#.utf8)
            XCTAssertThrowsError(try parse(bytes), "bytes \(bad)") { error in
                XCTAssertTrue("\(error)".contains("invalid UTF-8"), "\(error)")
            }
        }
    }

    func testControlBytesAndUnterminatedStringsAreRefused() {
        XCTAssertThrowsError(try parse(Array("{\"k\":\"a\u{1}b\"}".utf8)))
        XCTAssertThrowsError(try parse(Array(#"{"k":"abc"#.utf8)))
    }

    func testAWideObjectKeepsEveryMemberInOrder() throws {
        let members = (0..<40).map { "\"k\($0)\":\($0)" }.joined(separator: ",")
        guard case .object(let parsed) = try parse(Array("{\(members)}".utf8)) else { return XCTFail() }
        XCTAssertEqual(parsed.map(\.0), (0..<40).map { "k\($0)" })
        XCTAssertEqual(parsed.last?.1.int64, 39)
    }
}
