import XCTest

@testable import FaaSProtocol

final class LineFramerTests: XCTestCase {
    /// Drains every complete line; stops at `.needMoreBytes`, fails on `.lineTooLong`.
    private func drain(_ framer: inout LineFramer, file: StaticString = #filePath, line: UInt = #line) -> [String] {
        var lines: [String] = []
        while true {
            switch framer.next() {
            case .line(let bytes): lines.append(String(decoding: bytes, as: UTF8.self))
            case .needMoreBytes: return lines
            case .lineTooLong:
                XCTFail("unexpected lineTooLong", file: file, line: line)
                return lines
            }
        }
    }

    /// The framer's private storage size, consumed prefix included (read through reflection).
    private func storageCount(_ framer: LineFramer) -> Int {
        for child in Mirror(reflecting: framer).children where child.label == "buffer" {
            if let bytes = child.value as? [UInt8] { return bytes.count }
        }
        XCTFail("LineFramer has no [UInt8] buffer to inspect")
        return Int.max
    }

    func testSeveralLinesInOneAppend() {
        var framer = LineFramer()
        framer.append(Array("one\ntwo\nthree\npartial".utf8))
        XCTAssertEqual(drain(&framer), ["one", "two", "three"])
        XCTAssertEqual(framer.bufferedByteCount, "partial".utf8.count)
        framer.append(Array(" end\n".utf8))
        XCTAssertEqual(drain(&framer), ["partial end"])
        XCTAssertEqual(framer.bufferedByteCount, 0)
    }

    func testNothingBeforeANewline() {
        var framer = LineFramer()
        guard case .needMoreBytes = framer.next() else { return XCTFail("empty framer must need bytes") }
        framer.append(Array("no newline yet".utf8))
        guard case .needMoreBytes = framer.next() else { return XCTFail("a line without \\n is not complete") }
    }

    func testLineSplitAtEveryByteOffset() {
        let message = Array(#"{"type":"invoke","id":1,"fn":"hello_1","payload":"été ✓"}"#.utf8) + [0x0A]
        for split in 0...message.count {
            var framer = LineFramer()
            framer.append(Array(message[0..<split]))
            let first = drain(&framer)
            framer.append(Array(message[split...]))
            let rest = drain(&framer)
            XCTAssertEqual(first + rest, [String(decoding: message.dropLast(), as: UTF8.self)], "split at \(split)")
            XCTAssertEqual(first.count, split == message.count ? 1 : 0, "split at \(split)")
        }
    }

    func testByteByByte() {
        let text = "alpha\nbeta\n\ngamma\n"
        var framer = LineFramer()
        var lines: [String] = []
        for byte in text.utf8 {
            framer.append([byte])
            lines += drain(&framer)
        }
        XCTAssertEqual(lines, ["alpha", "beta", "", "gamma"])
    }

    func testEmptyLines() {
        var framer = LineFramer()
        framer.append(Array("\n\na\n\n".utf8))
        XCTAssertEqual(drain(&framer), ["", "", "a", ""])
    }

    func testCarriageReturnIsKept() {
        var framer = LineFramer()
        framer.append(Array("x\r\n".utf8))
        XCTAssertEqual(drain(&framer), ["x\r"])
    }

    func testLineOverTheMaximumWithoutNewline() {
        var framer = LineFramer(maxLineLength: 16)
        framer.append(Array(repeating: UInt8(ascii: "a"), count: 16))
        guard case .needMoreBytes = framer.next() else { return XCTFail("16 bytes is within the limit") }
        framer.append([UInt8(ascii: "a")])
        guard case .lineTooLong = framer.next() else { return XCTFail("17 bytes without newline must be lineTooLong") }
    }

    func testLineOverTheMaximumWithNewline() {
        var framer = LineFramer(maxLineLength: 8)
        framer.append(Array("12345678\n123456789\n".utf8))
        guard case .line(let ok) = framer.next() else { return XCTFail("8 bytes is within the limit") }
        XCTAssertEqual(String(decoding: ok, as: UTF8.self), "12345678")
        guard case .lineTooLong = framer.next() else { return XCTFail("9 bytes must be lineTooLong") }
    }

    func testLongLineArrivingInPiecesIsFound() {
        var framer = LineFramer(maxLineLength: 1 << 20)
        let piece = Array(repeating: UInt8(ascii: "z"), count: 10_000)
        for _ in 0..<50 {
            framer.append(piece)
            guard case .needMoreBytes = framer.next() else { return XCTFail("no newline yet") }
        }
        framer.append(Array("!\n".utf8))
        guard case .line(let line) = framer.next() else { return XCTFail("the line is complete") }
        XCTAssertEqual(line.count, 500_001)
        XCTAssertEqual(line.last, UInt8(ascii: "!"))
    }

    func testBufferCompactionOverManyAppends() {
        var framer = LineFramer(maxLineLength: 256)
        var expected: [String] = []
        var received: [String] = []
        // Each append ends mid-line, so the buffer never empties and must be compacted.
        var pending = ""
        for index in 0..<20_000 {
            let line = "message-\(index)-" + String(repeating: "x", count: index % 37)
            expected.append(line)
            pending += line + "\n"
            let cut = pending.utf8.count - (index % 5)
            let bytes = Array(pending.utf8)
            framer.append(Array(bytes[0..<cut]))
            pending = String(decoding: bytes[cut...], as: UTF8.self)
            received += drain(&framer)
            XCTAssertLessThan(framer.bufferedByteCount, 256, "at \(index)")
            // The storage itself (consumed bytes included) must not grow with the stream.
            XCTAssertLessThan(storageCount(framer), 16 * 1024, "buffer not compacted at \(index)")
        }
        framer.append(Array(pending.utf8))
        received += drain(&framer)
        XCTAssertEqual(received.count, expected.count)
        XCTAssertEqual(received, expected)
        XCTAssertEqual(framer.bufferedByteCount, 0)
    }
}
