import Foundation
import XCTest
@testable import FaaSProtocol

/// The framing: JSON lines, each possibly followed by the raw bytes it announces.
final class WireMessageCodecTests: XCTestCase {
    private let codec = MessageCodec()

    private var samples: [WireMessage] {
        let binary = InvokeMessage(id: 7, fn: "bin_1", payload: [0, 255, 10, 34, 92], timeout: 2.5, memory: 64)
        var inline = InvokeMessage(id: 8, fn: "txt_1", payload: Array("a \"b\"\n".utf8))
        inline.bodyForm = .inline
        var inlineResult = ResultMessage.success(id: 3, output: [0xff, 0x00])
        inlineResult.bodyForm = .inline
        return [
            .invoke(InvokeMessage(id: 1, fn: "hello_123", payload: Array("test \"data\"\n\u{1}é😀/".utf8))),
            .invoke(binary),
            .invoke(inline),
            .invoke(InvokeMessage(id: 9, fn: "lb_1", payload: nil, timeout: 1)),
            .invoke(InvokeMessage(id: 10, fn: "empty_1", payload: [])),
            .job(binary.job),
            .job(JobMessage(id: 11, fn: "ctx_1", payload: [1], timeout: 1, memory: nil, context: Self.context)),
            .invoke(InvokeMessage(id: 12, fn: "ctx_1", payload: [], context: InvocationContext(requestID: "r-2", contentType: "application/json"))),
            .registerWorker(RegisterWorkerMessage(workerID: 0, pid: 12345)),
            .unregisterWorker(UnregisterWorkerMessage(workerID: 3, pid: 99)),
            .forwardToWorker(ForwardToWorkerMessage(workerID: 2, pid: 42, job: binary.job)),
            .forwardToWorker(ForwardToWorkerMessage(workerID: 2, pid: 42, job: JobMessage(id: 5, fn: "f_1", payload: nil, timeout: 1, memory: nil))),
            .workerDone(WorkerDoneMessage(workerID: 2, pid: 42, id: UInt64.max)),
            .result(.success(id: 9, output: Array("Hello, world\n".utf8))),
            .result(.success(id: nil, output: [0xff, 0xfe, 0x0a])),
            .result(inlineResult),
            .result(.failure(id: 10, .timeout, "timed out after 1.0 s")),
            .result(ResultMessage(ok: true, id: 11, output: Array("[1,2]".utf8), error: nil, code: nil, outputType: .json,
                                  log: "stdout hello \"x\"\nstderr é\n")),
        ]
    }

    private static let context = InvocationContext(
        requestID: "req-1", contentType: "text/plain",
        http: .init(method: "GET", path: "/a/b", query: "x=1&y=%20", headers: [("accept", "*/*"), ("x-two", "a, \"b\"")], sourceIP: "127.0.0.1"))

    func testContextAndResultExtrasRoundTrip() throws {
        let job = JobMessage(id: 1, fn: "f_1", payload: nil, timeout: 2, memory: 64, context: Self.context)
        guard case .job(let back) = try codec.decode(codec.encode(.job(job)).line.dropLast()[...]) else { return XCTFail("not a job") }
        XCTAssertEqual(back.context, Self.context)
        let result = ResultMessage(ok: true, id: 1, output: [], error: nil, code: nil, outputType: .json, log: "stderr x\n")
        let (line, _) = codec.encode(.result(result))
        guard case .result(let read) = try codec.decode(line.dropLast()[...]) else { return XCTFail("not a result") }
        XCTAssertEqual(read.outputType, .json)
        XCTAssertEqual(read.log, "stderr x\n")
        XCTAssertThrowsError(try codec.decode(ArraySlice(#"{"type":"job","id":1,"fn":"f","payload":"","ctx":{"request_id":1}}"#.utf8)))
        XCTAssertThrowsError(try codec.decode(ArraySlice(#"{"ok":true,"output":"","output_type":"xml"}"#.utf8)))
    }

    /// Everything the reader gets from one stream, fed in pieces of `chunk` bytes.
    private func readAll(_ bytes: [UInt8], chunk: Int) throws -> [WireMessage] {
        var reader = MessageReader()
        var messages: [WireMessage] = []
        var offset = 0
        while offset < bytes.count {
            let end = min(bytes.count, offset + chunk)
            bytes[offset..<end].withUnsafeBytes { reader.append($0) }
            offset = end
            while let message = try reader.next() { messages.append(message) }
        }
        return messages
    }

    func testStreamRoundTripsInAnyPieces() throws {
        let stream = samples.flatMap { codec.encodeFrame($0) }
        let expected = samples.map { codec.encodeFrame($0) }
        for chunk in [1, 2, 7, 64, 4096, stream.count] {
            let messages = try readAll(stream, chunk: chunk)
            XCTAssertEqual(messages.map { codec.encodeFrame($0) }, expected, "pieces of \(chunk) bytes")
        }
    }

    func testPayloadIsAttachedRawNotEscaped() throws {
        let payload = (0...255).map { UInt8($0) } + Array("\n{\"ok\":true}\n".utf8)
        let (line, attachment) = codec.encode(.invoke(InvokeMessage(id: 1, fn: "f_1", payload: payload)))
        XCTAssertEqual(attachment, payload, "the bytes themselves follow the line")
        let object = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(line.dropLast())) as? [String: Any])
        XCTAssertEqual(object["payload_bytes"] as? Int, payload.count)
        XCTAssertNil(object["payload"])
        XCTAssertNil(object["encoding"])
        // Bytes that look like lines inside the attachment are not messages.
        let messages = try readAll(codec.encodeFrame(.invoke(InvokeMessage(id: 1, fn: "f_1", payload: payload))) + codec.encodeFrame(.workerDone(WorkerDoneMessage(workerID: 0, pid: 1, id: 2))), chunk: 5)
        XCTAssertEqual(messages.count, 2)
        guard case .invoke(let invoke) = messages[0] else { return XCTFail("not an invoke") }
        XCTAssertEqual(invoke.payload, payload)
        XCTAssertEqual(invoke.bodyForm, .attached)
    }

    func testLargeAttachmentArrivesWhole() throws {
        let payload = (0..<(3 << 20)).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        let messages = try readAll(codec.encodeFrame(.result(.success(id: 4, output: payload))), chunk: 65536)
        guard messages.count == 1, case .result(let result) = messages[0] else { return XCTFail("one result") }
        XCTAssertEqual(result.output, payload)
    }

    func testInvokeForTheLoadBalancerCarriesNoPayload() throws {
        let (line, attachment) = codec.encode(.invoke(InvokeMessage(id: 1, fn: "f_1", payload: nil, timeout: 3, memory: 128)))
        XCTAssertNil(attachment)
        let object = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(line.dropLast())) as? [String: Any])
        XCTAssertNil(object["payload"])
        XCTAssertNil(object["payload_bytes"])
        guard case .invoke(let back) = try codec.decode(line.dropLast()[...]) else { return XCTFail("not an invoke") }
        XCTAssertNil(back.payload)
        XCTAssertEqual(back.timeout, 3)
        XCTAssertEqual(back.memory, 128)
    }

    func testConcurrencyRidesOnTheInvokeAndIsOptional() throws {
        let (line, _) = codec.encode(.invoke(InvokeMessage(id: 4, fn: "f_1", payload: nil, timeout: 3, memory: nil, concurrency: 2)))
        let object = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(line.dropLast())) as? [String: Any])
        XCTAssertEqual(object["concurrency"] as? Int, 2)
        guard case .invoke(let back) = try codec.decode(line.dropLast()[...]) else { return XCTFail("not an invoke") }
        XCTAssertEqual(back.concurrency, 2)
        XCTAssertEqual(back.timeout, 3)
        guard case .invoke(let old) = try codec.decode(ArraySlice(#"{"type":"invoke","id":1,"fn":"f","payload":""}"#.utf8)) else { return XCTFail() }
        XCTAssertNil(old.concurrency, "an invoke without the field is read as before")
        XCTAssertThrowsError(try codec.decode(ArraySlice(#"{"type":"invoke","id":1,"fn":"f","payload":"","concurrency":0}"#.utf8)))
    }

    func testPingAndPong() throws {
        let (ping, _) = codec.encode(.ping(PingMessage(id: 7)))
        XCTAssertEqual(String(decoding: ping, as: UTF8.self), #"{"type":"ping","id":7}"# + "\n")
        guard case .ping(let back) = try codec.decode(ping.dropLast()[...]) else { return XCTFail() }
        XCTAssertEqual(back, PingMessage(id: 7))
        for pong in [PongMessage(id: 7), PongMessage(id: 8, loadBalancer: .timeout), PongMessage(id: 9, loadBalancer: .unreachable)] {
            guard case .pong(let decoded) = try codec.decode(codec.encode(.pong(pong)).line.dropLast()[...]) else { return XCTFail() }
            XCTAssertEqual(decoded, pong)
        }
        XCTAssertThrowsError(try codec.decode(ArraySlice(#"{"type":"pong","id":1,"load_balancer":"maybe"}"#.utf8)))
        XCTAssertThrowsError(try codec.decode(ArraySlice(#"{"type":"ping"}"#.utf8)))
    }

    func testSpecFieldNames() throws {
        let (line, _) = codec.encode(.forwardToWorker(ForwardToWorkerMessage(workerID: 2, pid: 5, job: JobMessage(id: 1, fn: "hello_123", payload: nil, timeout: nil, memory: nil))))
        let object = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(line.dropLast())) as? NSDictionary)
        XCTAssertEqual(object["type"] as? String, "forward_to_worker")
        XCTAssertEqual(object["worker_id"] as? Int, 2)
        let job = try XCTUnwrap(object["job"] as? NSDictionary)
        XCTAssertEqual(job["type"] as? String, "job")
        XCTAssertEqual(job["fn"] as? String, "hello_123")
        var inline = ResultMessage.success(id: nil, output: Array("Hello from FAAS!\n".utf8))
        inline.bodyForm = .inline
        let result = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(codec.encode(.result(inline)).line.dropLast())) as? NSDictionary)
        XCTAssertEqual(result, ["ok": true, "output": "Hello from FAAS!\n"] as NSDictionary)
    }

    func testRejectsMalformedMessages() {
        let bad = [
            "", "{", "[]", "null", "{\"type\":\"nope\"}", "{\"type\":\"invoke\",\"fn\":\"f\"}",
            "{\"type\":\"invoke\",\"id\":-1,\"fn\":\"f\",\"payload\":\"\"}", "{\"type\":\"invoke\",\"id\":1,\"fn\":2,\"payload\":\"\"}",
            "{\"ok\":\"yes\"}", "{\"ok\":true,\"code\":\"weird\"}", "{\"type\":\"job\",\"id\":1,\"fn\":\"f\",\"payload\":\"\\x\"}",
            "{\"type\":\"register_worker\",\"worker_id\":1,\"pid\":99999999999}", "{\"ok\":true} trailing",
            "{\"ok\":true,\"output\":\"\u{1}\"}", "{\"ok\":true,\"output\":\"\\ud800\"}",
            "{\"type\":\"job\",\"id\":1,\"fn\":\"f\",\"payload\":\"***\",\"encoding\":\"base64\"}",
            "{\"type\":\"job\",\"id\":1,\"fn\":\"f\",\"payload_bytes\":-1}",
            "{\"type\":\"job\",\"id\":1,\"fn\":\"f\",\"payload_bytes\":99999999999999}",
            "{\"type\":\"job\",\"id\":1,\"fn\":\"f\",\"payload_bytes\":1.5}",
            "{\"type\":\"job\",\"id\":1,\"fn\":\"f\",\"payload_bytes\":2,\"payload\":\"ab\"}",
            "{\"ok\":true,\"output_bytes\":2,\"encoding\":\"base64\"}",
            String(repeating: "[", count: 1000),
        ]
        for text in bad {
            XCTAssertThrowsError(try codec.decode(Array(text.utf8)[...]), text)
        }
    }

    func testBadLineEndsTheStream() {
        var reader = MessageReader()
        Array("{\"type\":\"worker_done\",\"worker_id\":0,\"pid\":1,\"id\":1}\nnot json\n".utf8).withUnsafeBytes { reader.append($0) }
        XCTAssertNotNil(try reader.next())
        XCTAssertThrowsError(try reader.next())
    }

    func testLineTooLongEndsTheStream() {
        var reader = MessageReader(maxLineLength: 16)
        Array(String(repeating: "x", count: 40).utf8).withUnsafeBytes { reader.append($0) }
        XCTAssertThrowsError(try reader.next())
    }

    /// Seeded, time-bounded fuzzing of the reader: random mutations of valid streams and random
    /// bytes must throw or decode, never crash or hang.
    func testReaderFuzz() {
        let seed = UInt64(ProcessInfo.processInfo.environment["JSONL_FUZZ_SEED"] ?? "") ?? UInt64.random(in: 1...UInt64.max)
        var rng = SplitMix64(seed: seed)
        let corpus = samples.map { codec.encodeFrame($0) }
        let deadline = Date().addingTimeInterval(Double(ProcessInfo.processInfo.environment["JSONL_FUZZ_SECONDS"] ?? "") ?? 1.5)
        var count = 0
        while Date() < deadline {
            var input = corpus[Int(rng.next() % UInt64(corpus.count))]
            switch rng.next() % 4 {
            case 0: input = (0..<Int(rng.next() % 64)).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
            case 1: if !input.isEmpty { input[Int(rng.next() % UInt64(input.count))] = UInt8(truncatingIfNeeded: rng.next()) }
            case 2: if !input.isEmpty { input.removeSubrange(Int(rng.next() % UInt64(input.count))...) }
            default:
                let at = input.isEmpty ? 0 : Int(rng.next() % UInt64(input.count))
                input.insert(contentsOf: Array("\\\"{[,:0e-".utf8).shuffled(using: &rng).prefix(3), at: at)
            }
            if let messages = try? readAll(input + [0x0A], chunk: 1 + Int(rng.next() % 16)) {
                // Whatever decodes must encode to something that decodes to the same thing.
                for message in messages {
                    let again = codec.encodeFrame(message)
                    XCTAssertEqual((try? readAll(again, chunk: 3))?.map { codec.encodeFrame($0) }, [again], "seed \(seed): \(input)")
                }
            }
            count += 1
        }
        XCTAssertGreaterThan(count, 1000, "seed \(seed)")
    }
}

/// A small deterministic generator so a failing fuzz run can be replayed from its seed.
struct SplitMix64: RandomNumberGenerator {
    private var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
