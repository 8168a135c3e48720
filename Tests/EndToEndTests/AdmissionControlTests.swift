import Foundation
import Glibc
import XCTest

/// Admission control at the gateway: body memory bounded whatever clients announce, and one
/// client's connections cannot lock out another. The attacker connects from 127.0.0.2; the
/// suite's own requests (127.0.0.1) play the other client.
final class AdmissionControlTests: SuiteTestCase {
    override class var suiteOptions: FaaSSuite.Options {
        var options = FaaSSuite.Options()
        options.workers = 2
        return options
    }

    /// The documented bound (docs/operations.md): with the default 64 MiB of body memory, the
    /// gateway's peak RSS stays under 200 MiB (it was 846 MB before: every body was read).
    static let peakBoundKiB = 200 * 1024

    private static func peakKiB(_ pid: Int32) -> Int? {
        guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
              let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }) else { return nil }
        return Int(line.split(separator: " ").dropFirst().first ?? "")
    }

    func testHundredClientsSendingEightMiBBodiesKeepTheGatewaysMemoryBounded() throws {
        let suite = try suite
        let hello = try suite.deployOK(uniqueName("hello"), "python", source: "import sys\nprint('hello', len(sys.stdin.buffer.read()))\n")
        let gateway = try XCTUnwrap(suite.gateway?.processIdentifier)
        let before = try XCTUnwrap(Self.peakKiB(gateway))
        let head = Array("POST /invoke?fn=\(hello) HTTP/1.1\r\nHost: x\r\n\(authLine)Content-Length: 8388608\r\n\r\n".utf8)
        let body = [UInt8](repeating: UInt8(ascii: "a"), count: 8_388_607)  // one byte short: never complete
        var clients: [RawClient] = []
        for _ in 0..<100 {
            let client = try RawClient(port: suite.port, from: "127.0.0.2")
            XCTAssertEqual(client.send(head, timeout: 2), head.count)
            clients.append(client)
        }
        // Push the bodies round robin until the gateway stops taking more (or 6 s pass).
        var sent = Array(repeating: 0, count: clients.count)
        let started = Date()
        var progress = true
        while progress, Date().timeIntervalSince(started) < 6 {
            progress = false
            for (index, client) in clients.enumerated() where sent[index] < body.count {
                let n = client.send(Array(body[sent[index]..<min(body.count, sent[index] + (1 << 20))]), timeout: 0.01)
                if n > 0 { progress = true }
                sent[index] += n
            }
        }
        // Meanwhile another client is served, body and all.
        let other = try suite.invoke(hello, payload: Data(repeating: 98, count: 1 << 20), timeout: 20)
        XCTAssertEqual(other.status, 200, "\(other)")
        XCTAssertEqual((try? other.json())?["output"] as? String, "hello 1048576\n")
        let peak = try XCTUnwrap(Self.peakKiB(gateway))
        print("[admission] gateway VmHWM \(before / 1024) MiB before, \(peak / 1024) MiB after 100 clients sent \(sent.reduce(0, +) >> 20) MiB of bodies")
        XCTAssertLessThan(peak, Self.peakBoundKiB, "peak RSS \(peak / 1024) MiB")
        for client in clients { client.close() }
        let health = try suite.request("GET", "/health", authorized: false)
        XCTAssertEqual(health.status, 200, "\(health)")
        // Their memory is back: a full 8 MiB body from this client goes through.
        let big = try suite.invoke(hello, payload: Data(repeating: 99, count: 8 << 20), timeout: 30)
        XCTAssertEqual(big.status, 200, "\(big)")
    }

    func testThousandsOfIdleSocketsFromOneClientDoNotStopAnother() throws {
        let suite = try suite
        let hello = try suite.deployOK(uniqueName("hello"), "python", source: "print('hello')\n")
        var clients: [RawClient] = []
        for _ in 0..<3000 {
            guard let client = try? RawClient(port: suite.port, from: "127.0.0.2") else { break }
            clients.append(client)
        }
        XCTAssertGreaterThan(clients.count, 2000, "the attacker opened its sockets")
        // The other client: health and an invoke, answered at once.
        let started = Date()
        let health = try suite.request("GET", "/health", authorized: false, timeout: 10)
        XCTAssertEqual(health.status, 200, "\(health)")
        XCTAssertEqual(try suite.invokeText(hello, ""), "hello\n")
        XCTAssertLessThan(Date().timeIntervalSince(started), 5)
        // The attacker's connections beyond its share were refused with 429 and closed.
        var refused = 0
        for client in clients.suffix(100) where client.readable(within: 0.01) {
            let (bytes, closed) = client.readUntilClosed(timeout: 2)
            if closed, String(decoding: bytes, as: UTF8.self).hasPrefix("HTTP/1.1 429") { refused += 1 }
        }
        XCTAssertEqual(refused, 100, "the last 100 of 3000 connections from one address are refused")
        for client in clients { client.close() }
    }
}
