import XCTest

import FaaSHTTP

final class HTTPQueryStringTests: XCTestCase {
    func testPercentDecoding() throws {
        XCTAssertEqual(try QueryString.percentDecode("a%20b%2Fc%2f"), Array("a b/c/".utf8))
        XCTAssertEqual(try QueryString.percentDecode("a+b"), Array("a+b".utf8))
        XCTAssertEqual(try QueryString.percentDecode("a+b", plusAsSpace: true), Array("a b".utf8))
        XCTAssertEqual(try QueryString.percentDecode("%00%ff%C3%A9"), [0x00, 0xFF, 0xC3, 0xA9], "raw bytes, no validation")
        XCTAssertEqual(try QueryString.percentDecode(""), [])
    }

    func testInvalidEscapesAreReportedWithTheirOffset() {
        for (input, offset) in [("%", 0), ("ab%4", 2), ("%zz", 0), ("ok%2", 2), ("a%g0", 1), ("%%41", 0)] {
            XCTAssertThrowsError(try QueryString.percentDecode(input), input) { error in
                XCTAssertEqual((error as? QueryString.DecodingError)?.offset, offset, input)
            }
        }
    }

    func testParsingItems() throws {
        let query = try QueryString(parsing: "name=hello_world&lang=c&&flag&empty=&sp=a+b%2Bc&=v&eq=a=b")
        XCTAssertEqual(
            query.items,
            [
                .init(name: Array("name".utf8), value: Array("hello_world".utf8)),
                .init(name: Array("lang".utf8), value: Array("c".utf8)),
                .init(name: Array("flag".utf8), value: []),
                .init(name: Array("empty".utf8), value: []),
                .init(name: Array("sp".utf8), value: Array("a b+c".utf8)),
                .init(name: [], value: Array("v".utf8)),
                .init(name: Array("eq".utf8), value: Array("a=b".utf8)),
            ])
        XCTAssertEqual(query.first("lang"), Array("c".utf8))
        XCTAssertNil(query.first("missing"))
        XCTAssertEqual(try QueryString(parsing: "").items, [])
    }

    func testParsingReportsOffsetsInTheWholeQuery() {
        XCTAssertThrowsError(try QueryString(parsing: "a=1&b=%x1")) { error in
            XCTAssertEqual(error as? QueryString.DecodingError, QueryString.DecodingError(offset: 6, message: "invalid percent-encoding"))
        }
        XCTAssertThrowsError(try QueryString(parsing: "a=1&%b=2")) { error in
            XCTAssertEqual((error as? QueryString.DecodingError)?.offset, 4)
        }
    }
}
