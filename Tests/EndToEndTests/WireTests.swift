import Foundation
import Glibc
import XCTest

/// What crosses the daemons' sockets: bodies as raw attachments, the load balancer kept free
/// of payloads, and one rule for text vs base64 on the wire and at the HTTP edge.
final class WireTests: SuiteTestCase {
    override class var suiteOptions: FaaSSuite.Options {
        var options = FaaSSuite.Options()
        options.workers = 2
        return options
    }

    /// Output that is valid UTF-8 is text, whatever it holds: two NUL bytes come back as
    /// `"\u0000\u0000"`, not base64, over HTTP and over the server socket (inline form).
    func testNulBytesComeBackAsTextEverywhere() throws {
        let suite = try suite
        let id = try suite.deployOK(uniqueName("nul"), "python", source: "import sys; sys.stdout.buffer.write(b'\\0\\0')\n")
        let response = try suite.invoke(id, "")
        XCTAssertEqual(response.status, 200, "\(response)")
        let object = try response.json()
        XCTAssertNil(object["encoding"], "valid UTF-8 is not base64: \(response)")
        XCTAssertEqual(object["output"] as? String, "\u{0}\u{0}")

        let fd = try UnixSocketFile.connect(suite.serverSocket)
        defer { close(fd) }
        let line = #"{"type":"invoke","id":5,"fn":"\#(id)","payload":""}"# + "\n"
        _ = Array(line.utf8).withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
        var reader = LineReader(fd: fd)
        let answer = try XCTUnwrap(reader.next(), "an answer line")
        let result = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(answer.utf8)) as? [String: Any], answer)
        XCTAssertNil(result["encoding"], answer)
        XCTAssertEqual(result["output"] as? String, "\u{0}\u{0}", answer)
    }

    /// Non-UTF-8 output is base64, marked, at both edges.
    func testInvalidUTF8IsBase64Everywhere() throws {
        let suite = try suite
        let id = try suite.deployOK(uniqueName("ff"), "python", source: "import sys; sys.stdout.buffer.write(b'a\\xff')\n")
        let object = try suite.invoke(id, "").json()
        XCTAssertEqual(object["encoding"] as? String, "base64")
        XCTAssertEqual(Data(base64Encoded: object["output"] as? String ?? ""), Data([0x61, 0xFF]))
    }

    /// A big binary payload reaches the function byte for byte and its answer comes back.
    func testMegabytePayloadsRoundTrip() throws {
        let suite = try suite
        let id = try suite.deployOK(uniqueName("sum"), "python",
                                    source: "import sys, hashlib; d = sys.stdin.buffer.read(); print(len(d), hashlib.sha256(d).hexdigest())\n")
        for size in [0, 1, 65536, 3 << 20] {
            let payload = Data((0..<size).map { UInt8(truncatingIfNeeded: $0 &* 131 &+ $0 >> 9) })
            let output = String(decoding: try suite.invokeOutput(id, payload), as: UTF8.self)
            XCTAssertEqual(output, "\(size) \(try sha256Hex(payload))\n", "size \(size)")
        }
    }
}

/// The SHA-256 of `data` in hex, by the system's sha256sum (an independent implementation).
func sha256Hex(_ data: Data) throws -> String {
    let path = NSTemporaryDirectory() + "wire-\(getpid())-\(UUID().uuidString.prefix(6))"
    FileManager.default.createFile(atPath: path, contents: data)
    defer { try? FileManager.default.removeItem(atPath: path) }
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/sha256sum")
    process.arguments = [path]
    let pipe = Pipe()
    process.standardOutput = pipe
    try process.run()
    let text = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    process.waitUntilExit()
    return String(text.prefix(64))
}

/// The server keeps each payload and sends the load balancer only what it chooses by: here a
/// test plays the load balancer for a real server and gateway.
final class PayloadStaysInTheServerTests: XCTestCase {
    func testLoadBalancerGetsNoPayloadAndTheWorkerGetsIt() throws {
        var options = FaaSSuite.Options()
        options.workers = 1
        let suite = try FaaSSuite(name: "wire-lb", options: options, start: false)
        defer { suite.stop() }
        let listener = try Self.listenUnix(suite.lbSocket)
        defer { close(listener) }
        try suite.launchServer()
        let balancer = try Self.accept(listener, timeout: 15)
        defer { close(balancer) }
        var tv = timeval(tv_sec: 30, tv_usec: 0)
        setsockopt(balancer, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        var lines = LineReader(fd: balancer)
        let register = try Self.object(try XCTUnwrap(lines.next(), "register_worker"))
        XCTAssertEqual(register["type"] as? String, "register_worker")
        let workerID = try XCTUnwrap(register["worker_id"] as? Int)
        let pid = try XCTUnwrap(register["pid"] as? Int)

        try suite.launchGateway()
        let id = try suite.deployOK("count", "python",
                                    source: "import sys, hashlib; d = sys.stdin.buffer.read(); print(len(d), hashlib.sha256(d).hexdigest()[:16])\n")
        let payload = Data((0..<(1 << 20)).map { UInt8(truncatingIfNeeded: $0 &* 7 &+ $0 >> 8) })
        let answered = DispatchSemaphore(value: 0)
        nonisolated(unsafe) var response: HTTPResult?
        DispatchQueue.global().async {
            response = try? suite.invoke(id, payload: payload, timeout: 30)
            answered.signal()
        }

        // This fake load balancer answers the chain's pings (the gateway's health check) as the
        // real one does, and reads past them.
        func nextMessage() -> String? {
            while let line = lines.next() {
                guard let ping = try? Self.object(line), ping["type"] as? String == "ping", let pingID = ping["id"] as? Int else { return line }
                let pong = #"{"type":"pong","id":\#(pingID)}"# + "\n"
                _ = Array(pong.utf8).withUnsafeBytes { send(balancer, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            }
            return nil
        }
        let invokeLine = try XCTUnwrap(nextMessage(), "the server's invoke")
        XCTAssertLessThan(invokeLine.utf8.count, 512, "a 1 MiB payload does not travel to the load balancer: \(invokeLine.prefix(200))")
        let invoke = try Self.object(invokeLine)
        XCTAssertEqual(invoke["type"] as? String, "invoke")
        XCTAssertEqual(invoke["fn"] as? String, id)
        XCTAssertNil(invoke["payload"], invokeLine)
        XCTAssertNil(invoke["payload_bytes"], invokeLine)
        XCTAssertNotNil(invoke["timeout"], "the limits it may choose by are there: \(invokeLine)")
        let jobID = try XCTUnwrap(invoke["id"] as? Int)

        // The pick names the job; the server attaches the payload it kept.
        let forward = #"{"type":"forward_to_worker","worker_id":\#(workerID),"pid":\#(pid),"job":{"type":"job","id":\#(jobID),"fn":"\#(id)"}}"# + "\n"
        _ = Array(forward.utf8).withUnsafeBytes { send(balancer, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
        XCTAssertEqual(answered.wait(timeout: .now() + 30), .success, "the invoke is answered")
        let result = try XCTUnwrap(response)
        XCTAssertEqual(result.status, 200, "\(result)")
        XCTAssertEqual(try result.json()["output"] as? String, "\(payload.count) \(try sha256Hex(payload).prefix(16))\n")

        let done = try Self.object(try XCTUnwrap(nextMessage(), "worker_done"))
        XCTAssertEqual(done["type"] as? String, "worker_done")
        XCTAssertEqual(done["id"] as? Int, jobID)
    }

    private static func object(_ line: String) throws -> [String: Any] {
        try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any], line)
    }

    private static func listenUnix(_ path: String) throws -> Int32 {
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw HTTPClientError.io("socket", errno) }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            raw.copyBytes(from: bytes)
            raw[bytes.count] = 0
        }
        let bound = withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard bound == 0, listen(fd, 4) == 0 else {
            let error = errno
            close(fd)
            throw HTTPClientError.io("bind/listen \(path)", error)
        }
        return fd
    }

    private static func accept(_ listener: Int32, timeout: Double) throws -> Int32 {
        var entry = pollfd(fd: listener, events: Int16(POLLIN), revents: 0)
        guard poll(&entry, 1, Int32(timeout * 1000)) > 0 else { throw SuiteError.timedOut("the server never connected to the load balancer socket") }
        let fd = Glibc.accept(listener, nil, nil)
        guard fd >= 0 else { throw HTTPClientError.io("accept", errno) }
        return fd
    }
}
