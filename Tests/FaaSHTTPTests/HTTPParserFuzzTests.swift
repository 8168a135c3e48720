import Foundation
import XCTest

import FaaSHTTP

/// Seeded, time-bounded fuzzing: mutated valid requests and random bytes must never crash or stall
/// the parser, and every way of splitting the input must give the same results.
/// Reproduce a failure with `HTTP_FUZZ_SEED=<seed> swift test --filter HTTPParserFuzzTests`.
final class HTTPParserFuzzTests: XCTestCase {
    /// SplitMix64: tiny, fast, and identical on every platform, so a seed replays exactly.
    struct SplitMix64: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    static let interestingBytes: [UInt8] = Array("\r\n :;,\t0f9%+=&?/-\u{0}\u{7F}".utf8) + [0x80, 0xFF]
    static let fragments: [[UInt8]] = [
        "\r\n", "\r\n\r\n", "\n", "\r", " ", "Content-Length: 5\r\n", "Content-Length: 0\r\n",
        "Transfer-Encoding: chunked\r\n", "Transfer-Encoding: gzip\r\n", "Expect: 100-continue\r\n",
        "Connection: close\r\n", "Host: h\r\n", " folded\r\n", "0\r\n\r\n", "5\r\nhello\r\n", "ffffffff\r\n",
        "GET / HTTP/1.1\r\nHost: h\r\n\r\n", "POST /p HTTP/1.1\r\nHost: h\r\nContent-Length: 2\r\n\r\nab", "HTTP/1.0",
        "%", "%2", "%zz", "?a=b&c", String(repeating: "x", count: 120),
    ].map { Array($0.utf8) }

    func testFuzzMutatedAndRandomInputs() {
        let seed: UInt64 =
            ProcessInfo.processInfo.environment["HTTP_FUZZ_SEED"].flatMap { UInt64($0) } ?? UInt64.random(in: 0...UInt64.max)
        let duration = ProcessInfo.processInfo.environment["HTTP_FUZZ_SECONDS"].flatMap { Double($0) } ?? 2.0
        var rng = SplitMix64(state: seed)
        let deadline = Date().addingTimeInterval(duration)
        var iterations = 0
        var outcomes: [String: Int] = [:]
        while Date() < deadline {
            iterations += 1
            let (input, limits) = makeInput(&rng)
            let (reference, problem) = runParser(input, cuts: [], limits: limits)
            if let problem {
                return XCTFail("seed \(seed) iteration \(iterations): \(problem) on \(escaped(input))")
            }
            if case .error(let e)? = reference.last {
                outcomes["\(e.status.code)", default: 0] += 1
            } else {
                outcomes[reference.isEmpty ? "incomplete" : "ok", default: 0] += 1
            }
            var cutSets: [[Int]] = []
            for _ in 0..<3 {
                let count = Int.random(in: 1...6, using: &rng)
                cutSets.append((0..<count).map { _ in Int.random(in: 0...input.count, using: &rng) }.sorted())
            }
            if input.count <= 400 { cutSets.append(Array(0...input.count)) }
            for cuts in cutSets {
                let compact = Bool.random(using: &rng)
                let (results, problem) = runParser(input, cuts: cuts, limits: limits, compact: compact)
                if let problem {
                    return XCTFail(
                        "seed \(seed) iteration \(iterations): \(problem) with cuts \(cuts) on \(escaped(input))")
                }
                if results != reference {
                    return XCTFail(
                        "seed \(seed) iteration \(iterations): split \(cuts) (compact \(compact)) changed the results "
                            + "\(results) vs \(reference) on \(escaped(input))")
                }
            }
        }
        print("HTTP fuzz: seed \(seed), \(iterations) inputs in \(duration)s, outcomes \(outcomes.sorted { $0.key < $1.key })")
        XCTAssertGreaterThan(iterations, 100, "seed \(seed)")
    }

    private func makeInput(_ rng: inout SplitMix64) -> ([UInt8], HTTPParserLimits) {
        if Int.random(in: 0..<10, using: &rng) == 0 {
            // Random bytes, biased towards the HTTP alphabet.
            let length = Int.random(in: 0...300, using: &rng)
            let alphabet = Array("GET POST HTTP/1.1\r\n:Host-Length0123456789abcdef;".utf8) + Self.interestingBytes
            let bytes = (0..<length).map { _ in
                Bool.random(using: &rng) ? alphabet.randomElement(using: &rng) ?? 0 : UInt8.random(in: 0...255, using: &rng)
            }
            return (bytes, Bool.random(using: &rng) ? smallHTTPLimits : HTTPParserLimits())
        }
        let sample = httpSamples.randomElement(using: &rng) ?? httpSamples[0]
        var bytes = sample.bytes
        if Int.random(in: 0..<4, using: &rng) == 0 {
            bytes += (httpSamples.randomElement(using: &rng) ?? sample).bytes  // pipelining across samples
        }
        for _ in 0..<Int.random(in: 0...4, using: &rng) {
            mutate(&bytes, &rng)
        }
        return (bytes, sample.limits)
    }

    private func mutate(_ bytes: inout [UInt8], _ rng: inout SplitMix64) {
        let position = Int.random(in: 0...bytes.count, using: &rng)
        switch Int.random(in: 0..<7, using: &rng) {
        case 0 where position < bytes.count:
            bytes[position] = UInt8.random(in: 0...255, using: &rng)
        case 1 where position < bytes.count:
            bytes[position] = Self.interestingBytes.randomElement(using: &rng) ?? 0
        case 2:
            bytes.insert(contentsOf: Self.fragments.randomElement(using: &rng) ?? [], at: position)
        case 3 where position < bytes.count:
            let end = min(bytes.count, position + Int.random(in: 1...16, using: &rng))
            bytes.removeSubrange(position..<end)
        case 4 where position < bytes.count:
            let end = min(bytes.count, position + Int.random(in: 1...32, using: &rng))
            bytes.insert(contentsOf: bytes[position..<end], at: position)
        case 5:
            bytes.removeSubrange(position...)
        default:
            bytes.insert(Self.interestingBytes.randomElement(using: &rng) ?? 0, at: position)
        }
    }

    /// Pure random bytes in large reads: no crash, no stall, and input is either consumed, buffered
    /// within the head limit, or refused.
    func testRandomGarbageNeverStallsOrBuffersWithoutBound() {
        var rng = SplitMix64(state: 0xFACE)
        for _ in 0..<200 {
            var driver = HTTPParserDriver()
            for _ in 0..<8 {
                let read = (0..<Int.random(in: 0...4096, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) }
                XCTAssertNil(driver.feed(read))
                if driver.failed { break }
                XCTAssertLessThan(driver.buffer.count, 16 * 1024 + 1, "buffered past the head limit without an error")
            }
        }
    }
}
