import Foundation
import XCTest

@testable import FaaSProtocol

final class WireMessageTests: XCTestCase {
    private let codec = MessageCodec()

    /// Encodes with the codec and returns the line (checked to end with exactly one `\n`) as a
    /// JSON object; bodies are written inline here (the attached form has its own tests).
    private func encodeToObject(_ message: WireMessage, file: StaticString = #filePath, line: UInt = #line) throws -> [String: Any] {
        let bytes = codec.encode(Self.inline(message)).line
        XCTAssertEqual(bytes.last, 0x0A, "a line ends with \\n", file: file, line: line)
        XCTAssertEqual(bytes.filter { $0 == 0x0A }.count, 1, "exactly one newline per message", file: file, line: line)
        let object = try JSONSerialization.jsonObject(with: Data(bytes.dropLast()))
        return try XCTUnwrap(object as? [String: Any], "a message is a JSON object", file: file, line: line)
    }

    /// Through the attached form and, for invokes and results, the inline one: both must give
    /// the same message.
    private func roundTrip(_ message: WireMessage) throws -> WireMessage {
        var reader = MessageReader()
        codec.encodeFrame(message).withUnsafeBytes { reader.append($0) }
        let viaAttachment = try XCTUnwrap(try reader.next())
        let (line, attachment) = codec.encode(Self.inline(message))
        if attachment == nil {
            let viaInline = try codec.decode(line.dropLast()[...])
            XCTAssertEqual(codec.encodeFrame(Self.attached(viaInline)), codec.encodeFrame(viaAttachment))
        }
        return viaAttachment
    }

    private static func inline(_ message: WireMessage) -> WireMessage {
        switch message {
        case .invoke(var m): m.bodyForm = .inline; return .invoke(m)
        case .result(var m): m.bodyForm = .inline; return .result(m)
        default: return message
        }
    }

    private static func attached(_ message: WireMessage) -> WireMessage {
        switch message {
        case .invoke(var m): m.bodyForm = .attached; return .invoke(m)
        case .result(var m): m.bodyForm = .attached; return .result(m)
        default: return message
        }
    }

    private func decode(_ text: String) throws -> WireMessage {
        try codec.decode(Array(text.utf8)[...])
    }

    // MARK: field names on the wire

    func testInvokeFields() throws {
        let message = InvokeMessage(id: 42, fn: "hello_1700000000", payload: Array("test data".utf8), timeout: 2.5, memory: 64)
        let object = try encodeToObject(.invoke(message))
        XCTAssertEqual(object["type"] as? String, "invoke")
        XCTAssertEqual(object["fn"] as? String, "hello_1700000000")
        XCTAssertEqual(object["payload"] as? String, "test data")
        XCTAssertEqual((object["id"] as? NSNumber)?.intValue, 42)
        XCTAssertEqual((object["timeout"] as? NSNumber)?.doubleValue, 2.5)
        XCTAssertEqual((object["memory"] as? NSNumber)?.intValue, 64)
        XCTAssertNil(object["encoding"], "a UTF-8 payload carries no encoding")

        guard case .invoke(let back) = try roundTrip(.invoke(message)) else { return XCTFail("not an invoke") }
        XCTAssertEqual(back.id, 42)
        XCTAssertEqual(back.fn, "hello_1700000000")
        XCTAssertEqual(back.payload, Array("test data".utf8))
        XCTAssertEqual(back.timeout, 2.5)
        XCTAssertEqual(back.memory, 64)
    }

    func testSpecInvokeLineDecodes() throws {
        // The spec's own example, without any of our additions but the id.
        guard case .invoke(let invoke) = try decode(#"{"type":"invoke","id":1,"fn":"hello_123","payload":"test data"}"#) else {
            return XCTFail("not an invoke")
        }
        XCTAssertEqual(invoke.fn, "hello_123")
        XCTAssertEqual(invoke.payload, Array("test data".utf8))
        XCTAssertEqual(invoke.bodyForm, .inline, "answered inline too")
        XCTAssertNil(invoke.timeout)
    }

    func testRegisterWorkerFields() throws {
        let object = try encodeToObject(.registerWorker(RegisterWorkerMessage(workerID: 3, pid: 12345)))
        XCTAssertEqual(object["type"] as? String, "register_worker")
        XCTAssertEqual((object["worker_id"] as? NSNumber)?.intValue, 3)
        XCTAssertEqual((object["pid"] as? NSNumber)?.intValue, 12345)
        XCTAssertNil(object["workerID"])
        guard case .registerWorker(let back) = try roundTrip(.registerWorker(RegisterWorkerMessage(workerID: 3, pid: 12345))) else {
            return XCTFail("not register_worker")
        }
        XCTAssertEqual(back.workerID, 3)
        XCTAssertEqual(back.pid, 12345)
    }

    func testUnregisterWorkerFields() throws {
        let object = try encodeToObject(.unregisterWorker(UnregisterWorkerMessage(workerID: 1, pid: 99)))
        XCTAssertEqual(object["type"] as? String, "unregister_worker")
        XCTAssertEqual((object["worker_id"] as? NSNumber)?.intValue, 1)
        XCTAssertEqual((object["pid"] as? NSNumber)?.intValue, 99)
        guard case .unregisterWorker(let back) = try roundTrip(.unregisterWorker(UnregisterWorkerMessage(workerID: 1, pid: 99))) else {
            return XCTFail("not unregister_worker")
        }
        XCTAssertEqual(back.workerID, 1)
        XCTAssertEqual(back.pid, 99)
    }

    func testForwardToWorkerNestsTheJob() throws {
        let job = JobMessage(id: 7, fn: "f_1", payload: Array("p".utf8), timeout: 1, memory: nil)
        let message = ForwardToWorkerMessage(workerID: 2, pid: 123, job: job)
        let object = try encodeToObject(.forwardToWorker(message))
        XCTAssertEqual(object["type"] as? String, "forward_to_worker")
        XCTAssertEqual((object["worker_id"] as? NSNumber)?.intValue, 2)
        XCTAssertEqual((object["pid"] as? NSNumber)?.intValue, 123)
        let nested = try XCTUnwrap(object["job"] as? [String: Any], "job is a nested object")
        XCTAssertEqual(nested["type"] as? String, "job")
        XCTAssertEqual(nested["fn"] as? String, "f_1")
        XCTAssertEqual(nested["payload_bytes"] as? Int, 1, "a job's payload is attached")
        XCTAssertEqual((nested["id"] as? NSNumber)?.intValue, 7)

        guard case .forwardToWorker(let back) = try roundTrip(.forwardToWorker(message)) else { return XCTFail("not forward_to_worker") }
        XCTAssertEqual(back.workerID, 2)
        XCTAssertEqual(back.pid, 123)
        XCTAssertEqual(back.job.id, 7)
        XCTAssertEqual(back.job.fn, "f_1")
        XCTAssertEqual(back.job.payload, Array("p".utf8))
    }

    func testJobFields() throws {
        let job = InvokeMessage(id: 9, fn: "g_2", payload: Array("x".utf8), timeout: 3, memory: 32).job
        let object = try encodeToObject(.job(job))
        XCTAssertEqual(object["type"] as? String, "job")
        XCTAssertEqual(object["fn"] as? String, "g_2")
        XCTAssertEqual(object["payload_bytes"] as? Int, 1)
        XCTAssertEqual((object["id"] as? NSNumber)?.intValue, 9)
        guard case .job(let back) = try roundTrip(.job(job)) else { return XCTFail("not a job") }
        XCTAssertEqual(back.id, 9)
        XCTAssertEqual(back.timeout, 3)
        XCTAssertEqual(back.memory, 32)
    }

    func testWorkerDoneFields() throws {
        let object = try encodeToObject(.workerDone(WorkerDoneMessage(workerID: 0, pid: 5, id: 77)))
        XCTAssertEqual(object["type"] as? String, "worker_done")
        XCTAssertEqual((object["worker_id"] as? NSNumber)?.intValue, 0)
        XCTAssertEqual((object["pid"] as? NSNumber)?.intValue, 5)
        XCTAssertEqual((object["id"] as? NSNumber)?.intValue, 77)
        guard case .workerDone(let back) = try roundTrip(.workerDone(WorkerDoneMessage(workerID: 0, pid: 5, id: 77))) else {
            return XCTFail("not worker_done")
        }
        XCTAssertEqual(back.id, 77)
        XCTAssertEqual(back.pid, 5)
    }

    func testSuccessResultHasNoType() throws {
        let object = try encodeToObject(.result(.success(id: 4, output: Array("Hello, world\n".utf8))))
        XCTAssertNil(object["type"], "the spec's result carries no type")
        XCTAssertEqual(object["ok"] as? Bool, true)
        XCTAssertEqual(object["output"] as? String, "Hello, world\n")
        XCTAssertNil(object["error"])
        XCTAssertNil(object["encoding"])
        guard case .result(let back) = try roundTrip(.result(.success(id: 4, output: Array("Hello, world\n".utf8)))) else {
            return XCTFail("not a result")
        }
        XCTAssertTrue(back.ok)
        XCTAssertEqual(back.id, 4)
        XCTAssertEqual(back.output, Array("Hello, world\n".utf8))
    }

    func testFailureResult() throws {
        let object = try encodeToObject(.result(.failure(id: 5, .timeout, "timed out after 1 s")))
        XCTAssertNil(object["type"])
        XCTAssertEqual(object["ok"] as? Bool, false)
        XCTAssertEqual(object["error"] as? String, "timed out after 1 s")
        XCTAssertEqual(object["code"] as? String, "timeout")
        XCTAssertNil(object["output"])
        guard case .result(let back) = try roundTrip(.result(.failure(id: 5, .timeout, "timed out after 1 s"))) else {
            return XCTFail("not a result")
        }
        XCTAssertFalse(back.ok)
        XCTAssertEqual(back.code, .timeout)
        XCTAssertEqual(back.code?.httpStatus, 504)
        XCTAssertEqual(back.error, "timed out after 1 s")
    }

    func testSpecResultLinesDecode() throws {
        guard case .result(let ok) = try decode(#"{"ok":true,"output":"Hello"}"#) else { return XCTFail("not a result") }
        XCTAssertTrue(ok.ok)
        XCTAssertEqual(ok.output, Array("Hello".utf8))
        XCTAssertNil(ok.id)
        guard case .result(let failed) = try decode(#"{"ok":false,"error":"boom"}"#) else { return XCTFail("not a result") }
        XCTAssertFalse(failed.ok)
        XCTAssertEqual(failed.error, "boom")
    }

    func testFailureCodesMapToStatuses() {
        XCTAssertEqual(FailureCode.notFound.httpStatus, 404)
        XCTAssertEqual(FailureCode.tooLarge.httpStatus, 413)
        XCTAssertEqual(FailureCode.overloaded.httpStatus, 503)
        XCTAssertEqual(FailureCode.noWorker.httpStatus, 503)
        XCTAssertEqual(FailureCode.timeout.httpStatus, 504)
        XCTAssertEqual(FailureCode.failed.httpStatus, 500)
        XCTAssertEqual(FailureCode.badRequest.httpStatus, 400)
    }

    // MARK: binary payloads

    func testNonUTF8PayloadTravelsAsBase64() throws {
        let bytes = (0...255).map { UInt8($0) }
        let message = InvokeMessage(id: 1, fn: "bin_1", payload: bytes)
        let object = try encodeToObject(.invoke(message))
        XCTAssertEqual(object["encoding"] as? String, "base64")
        XCTAssertEqual(object["payload"] as? String, Data(bytes).base64EncodedString())
        guard case .invoke(let back) = try roundTrip(.invoke(message)) else { return XCTFail("not an invoke") }
        XCTAssertEqual(back.payload, bytes)
        XCTAssertEqual(back.job.payload, bytes)
    }

    func testNonUTF8OutputTravelsAsBase64() throws {
        let bytes: [UInt8] = [0xFF, 0xFE, 0x00, 0x41, 0xC3]
        let object = try encodeToObject(.result(.success(id: 2, output: bytes)))
        XCTAssertEqual(object["encoding"] as? String, "base64")
        guard case .result(let back) = try roundTrip(.result(.success(id: 2, output: bytes))) else { return XCTFail("not a result") }
        XCTAssertEqual(back.output, bytes)
    }

    func testUTF8WithControlBytesStaysText() throws {
        let text = "line1\nline2\t\"quoted\" \\ é ✓ \u{0}\u{1}"
        let message = InvokeMessage(id: 3, fn: "t_1", payload: Array(text.utf8))
        let object = try encodeToObject(.invoke(message))
        XCTAssertEqual(object["payload"] as? String, text, "valid UTF-8 is text, whatever its size or control bytes")
        XCTAssertNil(object["encoding"])
        guard case .invoke(let back) = try roundTrip(.invoke(message)) else { return XCTFail("not an invoke") }
        XCTAssertEqual(back.payload, Array(text.utf8))
    }

    /// The rule depends on UTF-8 validity only: two NUL bytes (12 bytes escaped, more than
    /// their base64) are text.
    func testNulBytesAreText() throws {
        let object = try encodeToObject(.result(.success(id: 1, output: [0, 0])))
        XCTAssertEqual(object["output"] as? String, "\u{0}\u{0}")
        XCTAssertNil(object["encoding"])
    }

    func testBadBase64IsReported() throws {
        XCTAssertThrowsError(try decode(#"{"type":"job","id":1,"fn":"f_1","payload":"***","encoding":"base64"}"#),
                             "invalid base64 must not decode to some bytes")
    }

    // MARK: rejects

    func testUnknownTypeThrows() {
        XCTAssertThrowsError(try decode(#"{"type":"reboot","id":1}"#))
    }

    func testMissingFieldsThrow() {
        XCTAssertThrowsError(try decode(#"{"type":"invoke","id":1,"payload":"x"}"#), "invoke without fn")
        XCTAssertThrowsError(try decode(#"{"type":"invoke","fn":"f","payload":"x"}"#), "invoke without id")
        XCTAssertThrowsError(try decode(#"{"type":"register_worker","worker_id":1}"#), "register_worker without pid")
        XCTAssertThrowsError(try decode(#"{"type":"forward_to_worker","worker_id":1,"pid":2}"#), "forward_to_worker without job")
        XCTAssertThrowsError(try decode(#"{"type":"worker_done","worker_id":1,"pid":2}"#), "worker_done without id")
        XCTAssertThrowsError(try decode(#"{"id":1,"output":"x"}"#), "neither type nor ok")
    }

    func testWrongFieldTypesThrow() {
        XCTAssertThrowsError(try decode(#"{"type":"register_worker","worker_id":"one","pid":2}"#))
        XCTAssertThrowsError(try decode(#"{"ok":"yes","output":"x"}"#))
        XCTAssertThrowsError(try decode(#"{"type":"invoke","id":1,"fn":"f","payload":"x","encoding":"rot13"}"#))
    }

    func testGarbageThrows() {
        XCTAssertThrowsError(try decode("not json"))
        XCTAssertThrowsError(try decode(""))
        XCTAssertThrowsError(try decode("[1,2,3]"))
        XCTAssertThrowsError(try decode(#"{"type":"invoke""#))
        XCTAssertThrowsError(try codec.decode([0xFF, 0xFE, 0x7B][...]))
    }
}
