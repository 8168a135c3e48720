import Foundation
import Glibc
import XCTest

// Helpers for the fault-injection tests (FaultInjectionTests.swift): raw sockets with
// deadlines, /proc inspection, stale socket files, a suite that reuses a functions folder.

extension FaaSSuite.Options {
    /// Points the gateway and the server (and so the workers) at an existing functions folder
    /// instead of the suite's fresh one: the flags come after the harness's own, and the last
    /// `--functions-dir` wins.
    mutating func reuseFunctions(at path: String) {
        gatewayArguments += ["--functions-dir", path]
        serverArguments += ["--functions-dir", path]
    }
}

/// Seconds since `start`.
func secondsSince(_ start: Date) -> Double { Date().timeIntervalSince(start) }

/// One TCP client socket with every operation bounded in time, for clients that misbehave:
/// stall, trickle, flood without reading, or just sit idle.
final class RawClient {
    private(set) var fd: Int32

    init(port: Int, from source: String? = nil) throws {
        fd = try connectLoopback(port: port, from: source)
        var one: Int32 = 1
        setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
    }

    deinit { close() }

    func close() {
        if fd >= 0 {
            Glibc.close(fd)
            fd = -1
        }
    }

    /// Sends as much of `bytes` as the peer takes before `timeout` seconds pass or the
    /// connection fails; returns how many bytes went out.
    @discardableResult
    func send(_ bytes: [UInt8], timeout: Double = 10) -> Int {
        let deadline = Date().addingTimeInterval(timeout)
        var offset = 0
        while offset < bytes.count {
            let remaining = deadline.timeIntervalSinceNow
            if remaining <= 0 { break }
            var entry = pollfd(fd: fd, events: Int16(POLLOUT), revents: 0)
            let ready = poll(&entry, 1, Int32(max(1, min(remaining, 1) * 1000)))
            if ready < 0 && errno != EINTR { break }
            if ready <= 0 { continue }
            let n = bytes[offset...].withUnsafeBytes { raw in Glibc.send(fd, raw.baseAddress, raw.count, Int32(MSG_NOSIGNAL | MSG_DONTWAIT)) }
            if n < 0 {
                if errno == EINTR || errno == EAGAIN { continue }
                break
            }
            offset += n
        }
        return offset
    }

    func send(_ text: String, timeout: Double = 10) { send(Array(text.utf8), timeout: timeout) }

    /// True when something (data or end of stream) can be read within `timeout` seconds.
    func readable(within timeout: Double) -> Bool {
        var entry = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        return poll(&entry, 1, Int32(timeout * 1000)) > 0
    }

    /// Reads until the peer closes or `timeout` seconds pass: what arrived, whether it closed.
    func readUntilClosed(timeout: Double) -> (bytes: [UInt8], closed: Bool) {
        let deadline = Date().addingTimeInterval(timeout)
        var received: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            let remaining = deadline.timeIntervalSinceNow
            if remaining <= 0 { return (received, false) }
            guard readable(within: min(remaining, 1)) else { continue }
            let n = chunk.withUnsafeMutableBytes { raw in Glibc.recv(fd, raw.baseAddress, raw.count, Int32(MSG_DONTWAIT)) }
            if n > 0 {
                received += chunk[0..<n]
            } else if n == 0 {
                return (received, true)
            } else if errno == ECONNRESET {
                return (received, true)
            } else if errno != EINTR && errno != EAGAIN {
                return (received, false)
            }
        }
    }

    /// Reads until one whole response with a Content-Length body (or the end of stream)
    /// arrived, or `timeout` seconds passed.
    func readResponse(timeout: Double) -> RawResponse? {
        let deadline = Date().addingTimeInterval(timeout)
        var received: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            if let response = RawResponse(received), response.isComplete { return response }
            let remaining = deadline.timeIntervalSinceNow
            if remaining <= 0 { return RawResponse(received) }
            guard readable(within: min(remaining, 1)) else { continue }
            let n = chunk.withUnsafeMutableBytes { raw in Glibc.recv(fd, raw.baseAddress, raw.count, Int32(MSG_DONTWAIT)) }
            if n > 0 {
                received += chunk[0..<n]
            } else if n == 0 || errno == ECONNRESET {
                return RawResponse(received)
            } else if errno != EINTR && errno != EAGAIN {
                return RawResponse(received)
            }
        }
    }
}

/// A response as raw bytes, for clients that read it without HTTPConnection.
struct RawResponse: CustomStringConvertible {
    let status: Int
    let head: String
    let body: [UInt8]
    let isComplete: Bool

    init?(_ bytes: [UInt8]) {
        guard let end = bytes.indices.dropLast(3).first(where: { bytes[$0] == 13 && bytes[$0 + 1] == 10 && bytes[$0 + 2] == 13 && bytes[$0 + 3] == 10 }) else {
            return nil
        }
        let head = String(decoding: bytes[0..<end], as: UTF8.self)
        self.head = head
        let statusLine = head.split(separator: "\r\n").first ?? ""
        let parts = statusLine.split(separator: " ")
        guard parts.count >= 2, parts[0].hasPrefix("HTTP/1."), let status = Int(parts[1]) else { return nil }
        self.status = status
        let body = Array(bytes[(end + 4)...])
        self.body = body
        let length = head.split(separator: "\r\n").dropFirst().compactMap { line -> Int? in
            let pieces = line.split(separator: ":", maxSplits: 1)
            guard pieces.count == 2, pieces[0].lowercased() == "content-length" else { return nil }
            return Int(pieces[1].trimmingCharacters(in: .whitespaces))
        }.first
        isComplete = length.map { body.count >= $0 } ?? false
    }

    var text: String { String(decoding: body, as: UTF8.self) }

    func json() -> [String: Any]? {
        (try? JSONSerialization.jsonObject(with: Data(body))) as? [String: Any]
    }

    var description: String { "HTTP \(status) \(text.prefix(400))" }
}

/// What /proc says about processes.
enum ProcFS {
    static func pids() -> [Int32] {
        ((try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []).compactMap { Int32($0) }
    }

    /// Live (not zombie) processes whose environment holds exactly `entry` ("NAME=value").
    static func processes(withEnvironment entry: String) -> [Int32] {
        pids().filter { pid in
            guard FaaSSuite.isAlive(pid), let data = FileManager.default.contents(atPath: "/proc/\(pid)/environ") else { return false }
            return data.split(separator: 0).contains { String(decoding: $0, as: UTF8.self) == entry }
        }
    }

    /// Live (not zombie) processes whose command line contains `fragment`.
    static func processes(mentioning fragment: String) -> [Int32] {
        pids().filter { pid in
            guard FaaSSuite.isAlive(pid), let data = FileManager.default.contents(atPath: "/proc/\(pid)/cmdline") else { return false }
            return String(decoding: data.map { $0 == 0 ? 32 : $0 }, as: UTF8.self).contains(fragment)
        }
    }

    /// Resident memory in KiB (VmRSS).
    static func residentKiB(_ pid: Int32) -> Int? {
        guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
              let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") }) else { return nil }
        return Int(line.split(separator: " ").dropFirst().first ?? "")
    }

    /// The process state letter (R, S, T for stopped, Z...).
    static func state(_ pid: Int32) -> String? {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8) else { return nil }
        return stat.split(separator: ")").last?.split(separator: " ").first.map(String.init)
    }
}

enum UnixSocketFile {
    private static func address(_ path: String) -> sockaddr_un {
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            raw.copyBytes(from: bytes)
            raw[bytes.count] = 0
        }
        return address
    }

    /// Leaves a socket file at `path` with nobody listening behind it, like a daemon killed
    /// with SIGKILL does.
    static func makeStale(at path: String) throws {
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw HTTPClientError.io("socket", errno) }
        defer { Glibc.close(fd) }
        var address = address(path)
        let bound = withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard bound == 0 else { throw HTTPClientError.io("bind \(path)", errno) }
        guard listen(fd, 1) == 0 else { throw HTTPClientError.io("listen", errno) }
    }

    /// A blocking connection to `path` (reads time out after 10 s).
    static func connect(_ path: String) throws -> Int32 {
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw HTTPClientError.io("socket", errno) }
        var address = address(path)
        let result = withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard result == 0 else {
            let error = errno
            Glibc.close(fd)
            throw HTTPClientError.connect(error)
        }
        var tv = timeval(tv_sec: 10, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        return fd
    }

    /// 0 when a connection to `path` succeeds, otherwise the errno.
    static func connectError(_ path: String) -> Int32 {
        do {
            Glibc.close(try connect(path))
            return 0
        } catch HTTPClientError.connect(let error) {
            return error
        } catch {
            return EIO
        }
    }

    static func isSocket(_ path: String) -> Bool {
        var info = stat()
        return lstat(path, &info) == 0 && (info.st_mode & S_IFMT) == S_IFSOCK
    }
}

/// Runs one of the built daemons by hand (not through FaaSSuite) and collects its stderr.
enum DaemonRun {
    struct Outcome {
        let status: Int32?
        let output: String
        let seconds: Double
    }

    /// Runs `executable` with `arguments` until it exits; SIGKILLs it (and reports status nil)
    /// if it is still running after `timeout` seconds.
    static func run(_ suite: FaaSSuite, _ executable: String, _ arguments: [String], timeout: Double = 15) throws -> Outcome {
        let process = Process()
        process.executableURL = suite.products.appendingPathComponent(executable)
        process.arguments = arguments
        var environment = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("FAAS_") }
        if let library = ProcessInfo.processInfo.environment["FAAS_WASM_LIBRARY"] { environment["FAAS_WASM_LIBRARY"] = library }
        process.environment = environment
        process.currentDirectoryURL = URL(fileURLWithPath: suite.directory)
        let outputPath = suite.directory + "/\(executable)-by-hand-\(UUID().uuidString.prefix(6)).log"
        _ = FileManager.default.createFile(atPath: outputPath, contents: nil)
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: outputPath))
        defer { try? handle.close() }
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = handle
        process.standardError = handle
        let started = Date()
        try process.run()
        DaemonReaper.track(process.processIdentifier)
        defer { DaemonReaper.forget(process.processIdentifier) }
        while process.isRunning && secondsSince(started) < timeout { usleep(20_000) }
        var status: Int32?
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        } else {
            status = process.terminationStatus
        }
        let output = (try? String(contentsOfFile: outputPath, encoding: .utf8)) ?? ""
        return Outcome(status: status, output: output, seconds: secondsSince(started))
    }
}

/// A function deployed at the start of a test class, with the output it must keep giving.
struct Canary {
    let id: String
    let payload: String
    let expected: String
}

extension FaaSSuite {
    /// Deploys the hello examples (Python, JavaScript, C) as canaries.
    func deployCanaries(tag: String) throws -> [Canary] {
        var canaries: [Canary] = []
        for (language, file) in [("python", "hello.py"), ("js", "hello.js"), ("c", "hello.c")] {
            let id = try deployOK("canary-\(tag)-\(language)", language, source: try Examples.source(file))
            let payload = "\(tag)-\(language)"
            canaries.append(Canary(id: id, payload: payload, expected: "Hello, \(payload)\n"))
        }
        return canaries
    }

    /// Invokes every canary `rounds` times (so round robin reaches every worker) and checks
    /// each answer; `context` says in the failure message when this happened.
    func checkCanaries(_ canaries: [Canary], rounds: Int, _ context: String, file: StaticString = #filePath, line: UInt = #line) {
        for round in 0..<rounds {
            for canary in canaries {
                do {
                    let started = Date()
                    let response = try invoke(canary.id, canary.payload, timeout: 20)
                    let object = try? response.json()
                    XCTAssertEqual(response.status, 200, "\(context): canary \(canary.id) round \(round): \(response)", file: file, line: line)
                    XCTAssertEqual(object?["output"] as? String, canary.expected, "\(context): canary \(canary.id) round \(round): \(response)",
                                   file: file, line: line)
                    XCTAssertLessThan(secondsSince(started), 5, "\(context): canary \(canary.id) was slow", file: file, line: line)
                } catch {
                    XCTFail("\(context): canary \(canary.id) round \(round): \(error)", file: file, line: line)
                }
            }
        }
    }

    /// Every daemon process still running.
    func assertDaemonsRunning(_ context: String, file: StaticString = #filePath, line: UInt = #line) {
        for (label, process) in [("load balancer", loadBalancer), ("server", server), ("gateway", gateway)] {
            XCTAssertEqual(process?.isRunning, true, "\(context): the \(label) died (status \(process.map { String($0.terminationStatus) } ?? "?"))",
                           file: file, line: line)
        }
    }

    /// The `faas_open_connections` gauge from /metrics (the metrics request itself included).
    func openConnections() -> Int? {
        guard let text = try? request("GET", "/metrics", timeout: 5).text,
              let line = text.split(separator: "\n").first(where: { $0.hasPrefix("faas_open_connections ") }) else { return nil }
        return Int(line.split(separator: " ").last ?? "")
    }
}
