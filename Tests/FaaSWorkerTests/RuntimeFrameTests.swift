import FaaSProtocol
import FaaSStore
import XCTest

@testable import FaaSWorker

/// The worker's side of the runtime frame format (`Runtime/README.md`): the same bytes the
/// Python and JS runtimes' own tests check from their side.
final class RuntimeFrameTests: XCTestCase {
    func testRequestIsLengthsNonceHeaderThenPayload() {
        let nonce: [UInt8] = [1, 2, 3, 4, 5, 6, 7, 8]
        let payload = Array("héllo".utf8)
        let frame = RuntimeFrame.request(header: Array("{}".utf8), payload: payload, nonce: nonce)
        XCTAssertEqual(Array(frame[0..<4]), [0, 0, 0, 2], "big-endian header length")
        XCTAssertEqual(Array(frame[4..<8]), [0, 0, 0, UInt8(payload.count)], "big-endian payload length")
        XCTAssertEqual(Array(frame[8..<16]), nonce)
        XCTAssertEqual(Array(frame[16..<18]), Array("{}".utf8))
        XCTAssertEqual(Array(frame[18...]), payload)
    }

    func testLargePayloadLengthIsBigEndian() {
        let frame = RuntimeFrame.request(header: [], payload: [UInt8](repeating: 7, count: 0x01_02_03), nonce: [UInt8](repeating: 0, count: 8))
        XCTAssertEqual(Array(frame[4..<8]), [0x00, 0x01, 0x02, 0x03])
        XCTAssertEqual(frame.count, 16 + 0x01_02_03)
    }

    func testReplyHeaderFields() {
        // kind 1 (signaled), code 9, output type 1 (JSON), 5 bytes of stdout, 300 of stderr, 7 of log, the nonce.
        var bytes: [UInt8] = [1, 0, 0, 0, 9, 1, 0, 0, 0, 5, 0, 0, 0x01, 0x2C, 0, 0, 0, 7]
        bytes += [9, 8, 7, 6, 5, 4, 3, 2]
        let header = RuntimeFrame.ReplyHeader(bytes)
        XCTAssertEqual(header.kind, .signaled)
        XCTAssertEqual(header.code, 9)
        XCTAssertEqual(header.outputType, .json)
        XCTAssertEqual(header.outputLength, 5)
        XCTAssertEqual(header.errorsLength, 300)
        XCTAssertEqual(header.logLength, 7)
        XCTAssertEqual(header.nonce, [9, 8, 7, 6, 5, 4, 3, 2])
    }

    func testNegativeCodeAndUnknownKindOrType() {
        var bytes: [UInt8] = [9, 0xFF, 0xFF, 0xFF, 0xFF, 7, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]
        bytes += [UInt8](repeating: 0, count: 8)
        let header = RuntimeFrame.ReplyHeader(bytes)
        XCTAssertNil(header.kind, "a kind this worker does not know is a broken stream")
        XCTAssertNil(header.outputType, "so is an output type")
        XCTAssertEqual(header.code, -1)
    }

    func testReplyKindsMatchTheRuntimes() {
        XCTAssertEqual(RuntimeReplyKind.exited.rawValue, 0)
        XCTAssertEqual(RuntimeReplyKind.signaled.rawValue, 1)
        XCTAssertEqual(RuntimeReplyKind.outputTooLarge.rawValue, 2)
        XCTAssertEqual(RuntimeReplyKind.runtimeError.rawValue, 3)
        XCTAssertEqual(RuntimeFrame.replyHeaderLength, 1 + 4 + 1 + 4 + 4 + 4 + RuntimeFrame.nonceLength)
        XCTAssertEqual(RuntimeFrame.requestHeaderLength, 4 + 4 + RuntimeFrame.nonceLength)
    }

    func testCallHeaderCarriesTheRequestAndTheDeadline() throws {
        var metadata = FunctionMetadata(id: "f_1", name: "f", language: .python, entrypoint: "handler", createdAt: "1", size: 1, version: 3)
        metadata.event = .json
        let http = InvocationContext.HTTPEvent(method: "GET", path: "/a", query: "x=1", headers: [("accept", "*/*")], sourceIP: "127.0.0.1")
        let job = JobMessage(id: 7, fn: "f_1", payload: [], timeout: nil, memory: nil,
                             context: InvocationContext(requestID: "req \"1\"", contentType: "application/json", http: http))
        let header = RuntimeCallHeader(job: job, metadata: metadata, memory: 128, timeout: 2.5, now: 1000)
        let object = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(header.bytes)) as? [String: Any])
        XCTAssertEqual(object["request_id"] as? String, "req \"1\"")
        XCTAssertEqual(object["function"] as? String, "f")
        XCTAssertEqual(object["version"] as? Int, 3)
        XCTAssertEqual(object["memory_mb"] as? Int, 128)
        XCTAssertEqual(object["deadline_ms"] as? Int, 1_002_500)
        XCTAssertEqual(object["event"] as? String, "json")
        XCTAssertEqual(object["content_type"] as? String, "application/json")
        let sent = try XCTUnwrap(object["http"] as? [String: Any])
        XCTAssertEqual(sent["method"] as? String, "GET")
        XCTAssertEqual(sent["path"] as? String, "/a")
        XCTAssertEqual(sent["query"] as? String, "x=1")
        XCTAssertEqual(sent["headers"] as? [[String]], [["accept", "*/*"]])
        XCTAssertEqual(sent["source_ip"] as? String, "127.0.0.1")

        // An old sender's job (no context): the job id stands in for the request id, no http.
        let plain = RuntimeCallHeader(job: JobMessage(id: 9, fn: "f_1", payload: [], timeout: nil, memory: nil), metadata: metadata,
                                      memory: 64, timeout: 1, now: 0)
        let bare = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(plain.bytes)) as? [String: Any])
        XCTAssertEqual(bare["request_id"] as? String, "9")
        XCTAssertNil(bare["http"])
        XCTAssertNil(bare["content_type"])
    }
}
