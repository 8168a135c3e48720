import Foundation
import XCTest
@testable import FaaSProtocol

/// The hand-written fast codec and the Codable conformances must describe one format.
final class WireMessageCodecTests: XCTestCase {
    private let codec = MessageCodec()

    private var samples: [WireMessage] {
        let binary = InvokeMessage(id: 7, fn: "bin_1", payload: [0, 255, 10, 34, 92], timeout: 2.5, memory: 64)
        return [
            .invoke(InvokeMessage(id: 1, fn: "hello_123", payload: Array("test \"data\"\n\u{1}é😀/".utf8))),
            .invoke(binary),
            .job(binary.job),
            .registerWorker(RegisterWorkerMessage(workerID: 0, pid: 12345)),
            .unregisterWorker(UnregisterWorkerMessage(workerID: 3, pid: 99)),
            .forwardToWorker(ForwardToWorkerMessage(workerID: 2, pid: 42, job: binary.job)),
            .workerDone(WorkerDoneMessage(workerID: 2, pid: 42, id: UInt64.max)),
            .result(.success(id: 9, output: Array("Hello, world\n".utf8))),
            .result(.success(id: nil, output: [0xff, 0xfe])),
            .result(.failure(id: 10, .timeout, "timed out after 1.0 s")),
        ]
    }

    private func jsonObject(_ bytes: [UInt8]) throws -> NSDictionary {
        try XCTUnwrap(JSONSerialization.jsonObject(with: Data(bytes)) as? NSDictionary)
    }

    func testFastEncodingMatchesCodable() throws {
        let encoder = JSONEncoder()
        for message in samples {
            var line = codec.encodeLine(message)
            XCTAssertEqual(line.last, UInt8(ascii: "\n"))
            line.removeLast()
            XCTAssertFalse(line.contains(UInt8(ascii: "\n")), "a message must stay on one line")
            let viaCodable = [UInt8](try encoder.encode(message))
            XCTAssertEqual(try jsonObject(line), try jsonObject(viaCodable), "\(message)")
        }
    }

    func testFastDecodingReadsCodableOutputAndRoundTrips() throws {
        let encoder = JSONEncoder()
        for message in samples {
            let viaCodable = [UInt8](try encoder.encode(message))
            let decoded = try codec.decode(viaCodable[...])
            XCTAssertEqual(codec.encodeLine(decoded), codec.encodeLine(message))
            // And the Codable decoder reads what the fast path writes.
            let back = try JSONDecoder().decode(WireMessage.self, from: Data(codec.encodeLine(message)))
            XCTAssertEqual(codec.encodeLine(back), codec.encodeLine(message))
        }
    }

    func testSpecFieldNames() throws {
        let line = codec.encodeLine(.forwardToWorker(ForwardToWorkerMessage(workerID: 2, pid: 5, job: JobMessage(id: 1, fn: "hello_123", payload: "test", encoding: nil, timeout: nil, memory: nil))))
        let object = try jsonObject(Array(line.dropLast()))
        XCTAssertEqual(object["type"] as? String, "forward_to_worker")
        XCTAssertEqual(object["worker_id"] as? Int, 2)
        let job = try XCTUnwrap(object["job"] as? NSDictionary)
        XCTAssertEqual(job["type"] as? String, "job")
        XCTAssertEqual(job["fn"] as? String, "hello_123")
        XCTAssertEqual(job["payload"] as? String, "test")
        let result = try jsonObject(Array(codec.encodeLine(.result(.success(id: nil, output: Array("Hello from FAAS!\n".utf8)))).dropLast()))
        XCTAssertEqual(result, ["ok": true, "output": "Hello from FAAS!\n"] as NSDictionary)
    }

    func testBinaryPayloadIsByteExact() throws {
        let bytes = (0...255).map { UInt8($0) }
        let line = codec.encodeLine(.invoke(InvokeMessage(id: 1, fn: "f", payload: bytes)))
        guard case .invoke(let decoded) = try codec.decode(line.dropLast()) else { return XCTFail("not an invoke") }
        XCTAssertEqual(decoded.encoding, .base64)
        XCTAssertEqual(decoded.payloadBytes, bytes)
    }

    func testRejectsMalformedMessages() {
        let bad = [
            "", "{", "[]", "null", "{\"type\":\"nope\"}", "{\"type\":\"invoke\",\"id\":1,\"fn\":\"f\"}",
            "{\"type\":\"invoke\",\"id\":-1,\"fn\":\"f\",\"payload\":\"\"}", "{\"type\":\"invoke\",\"id\":1,\"fn\":2,\"payload\":\"\"}",
            "{\"ok\":\"yes\"}", "{\"ok\":true,\"code\":\"weird\"}", "{\"type\":\"job\",\"id\":1,\"fn\":\"f\",\"payload\":\"\\x\"}",
            "{\"type\":\"register_worker\",\"worker_id\":1,\"pid\":99999999999}", "{\"ok\":true} trailing",
            "{\"ok\":true,\"output\":\"\u{1}\"}", "{\"ok\":true,\"output\":\"\\ud800\"}",
            String(repeating: "[", count: 1000),
        ]
        for text in bad {
            XCTAssertThrowsError(try codec.decode(Array(text.utf8)[...]), text)
        }
    }

    /// Seeded, time-bounded fuzzing of the decoder: random mutations of valid lines and random
    /// bytes must throw or decode, never crash or hang.
    func testDecoderFuzz() {
        let seed = UInt64(ProcessInfo.processInfo.environment["JSONL_FUZZ_SEED"] ?? "") ?? UInt64.random(in: 1...UInt64.max)
        var rng = SplitMix64(seed: seed)
        let corpus = samples.map { Array(codec.encodeLine($0).dropLast()) }
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
            if let message = try? codec.decode(input[...]) {
                // Whatever decodes must encode to something that decodes to the same thing.
                let again = codec.encodeLine(message)
                XCTAssertNoThrow(try codec.decode(again.dropLast()), "seed \(seed): \(input)")
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
