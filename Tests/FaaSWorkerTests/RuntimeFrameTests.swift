import XCTest

@testable import FaaSWorker

/// The worker's side of the runtime frame format (`Runtime/README.md`): the same bytes the
/// Python and JS runtimes' own tests check from their side.
final class RuntimeFrameTests: XCTestCase {
    func testRequestIsLengthNonceThenPayload() {
        let nonce: [UInt8] = [1, 2, 3, 4, 5, 6, 7, 8]
        let payload = Array("héllo".utf8)
        let frame = RuntimeFrame.request(payload: payload, nonce: nonce)
        XCTAssertEqual(Array(frame[0..<4]), [0, 0, 0, UInt8(payload.count)], "big-endian length")
        XCTAssertEqual(Array(frame[4..<12]), nonce)
        XCTAssertEqual(Array(frame[12...]), payload)
    }

    func testLargePayloadLengthIsBigEndian() {
        let frame = RuntimeFrame.request(payload: [UInt8](repeating: 7, count: 0x01_02_03), nonce: [UInt8](repeating: 0, count: 8))
        XCTAssertEqual(Array(frame[0..<4]), [0x00, 0x01, 0x02, 0x03])
        XCTAssertEqual(frame.count, 12 + 0x01_02_03)
    }

    func testReplyHeaderFields() {
        // kind 1 (signaled), code 9, 5 bytes of stdout, 300 of stderr, the nonce.
        var bytes: [UInt8] = [1, 0, 0, 0, 9, 0, 0, 0, 5, 0, 0, 0x01, 0x2C]
        bytes += [9, 8, 7, 6, 5, 4, 3, 2]
        let header = RuntimeFrame.ReplyHeader(bytes)
        XCTAssertEqual(header.kind, .signaled)
        XCTAssertEqual(header.code, 9)
        XCTAssertEqual(header.outputLength, 5)
        XCTAssertEqual(header.errorsLength, 300)
        XCTAssertEqual(header.nonce, [9, 8, 7, 6, 5, 4, 3, 2])
    }

    func testNegativeCodeAndUnknownKind() {
        var bytes: [UInt8] = [9, 0xFF, 0xFF, 0xFF, 0xFF, 0, 0, 0, 0, 0, 0, 0, 0]
        bytes += [UInt8](repeating: 0, count: 8)
        let header = RuntimeFrame.ReplyHeader(bytes)
        XCTAssertNil(header.kind, "a kind this worker does not know is a broken stream")
        XCTAssertEqual(header.code, -1)
    }

    func testReplyKindsMatchTheRuntimes() {
        XCTAssertEqual(RuntimeReplyKind.exited.rawValue, 0)
        XCTAssertEqual(RuntimeReplyKind.signaled.rawValue, 1)
        XCTAssertEqual(RuntimeReplyKind.outputTooLarge.rawValue, 2)
        XCTAssertEqual(RuntimeReplyKind.runtimeError.rawValue, 3)
        XCTAssertEqual(RuntimeFrame.replyHeaderLength, 1 + 4 + 4 + 4 + RuntimeFrame.nonceLength)
    }
}
