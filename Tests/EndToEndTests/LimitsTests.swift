import Foundation
import XCTest

/// Per-invocation limits and isolation for untrusted code (brief, "Safety"): time limits kill
/// the whole process tree, memory limits hold for scripts and WebAssembly, and a function
/// cannot touch the platform's stored functions.
final class LimitsTests: SuiteTestCase {
    override class var suiteOptions: FaaSSuite.Options {
        var options = FaaSSuite.Options()
        options.workers = 2
        return options
    }

    /// Live processes whose command line mentions `fragment`.
    private func processes(mentioning fragment: String) -> [Int32] {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return entries.compactMap { Int32($0) }.filter { pid in
            guard FaaSSuite.isAlive(pid), let data = FileManager.default.contents(atPath: "/proc/\(pid)/cmdline") else { return false }
            return String(decoding: data, as: UTF8.self).contains(fragment)
        }
    }

    func testPythonTimeoutKillsTheProcess() throws {
        let suite = try suite
        let id = try suite.deployOK(uniqueName("pyspin"), "python", source: "while True:\n    pass\n", query: "&timeout=1")
        let started = Date()
        let response = try suite.invoke(id, "", timeout: 30)
        let elapsed = Date().timeIntervalSince(started)
        XCTAssertEqual(response.status, 504, "\(response)")
        XCTAssertGreaterThanOrEqual(elapsed, 0.9)
        XCTAssertLessThan(elapsed, 5)
        try suite.waitFor("the timed-out interpreter to be gone", timeout: 5) { self.processes(mentioning: id).isEmpty }
        XCTAssertEqual(try suite.invokeText(try suite.deployOK(uniqueName("after"), "python", source: "print('ok')\n"), ""), "ok\n")
    }

    func testJavaScriptTimeout() throws {
        let suite = try suite
        let id = try suite.deployOK(uniqueName("jsspin"), "js", source: "for (;;) {}\n", query: "&timeout=1")
        let started = Date()
        let response = try suite.invoke(id, "", timeout: 30)
        XCTAssertEqual(response.status, 504, "\(response)")
        XCTAssertLessThan(Date().timeIntervalSince(started), 5)
        try suite.waitFor("node to be gone", timeout: 5) { self.processes(mentioning: id).isEmpty }
    }

    func testBackgroundChildDoesNotOutliveTheInvocation() throws {
        let suite = try suite
        let id = try suite.deployOK(uniqueName("forker"), "python", source: """
            import os, sys, time
            if os.fork() == 0:
                os.execv(sys.executable, [sys.executable, "-c", "import time; time.sleep(60)", sys.argv[0]])
            print("parent done")
            """, query: "&timeout=5")
        let started = Date()
        XCTAssertEqual(try suite.invokeText(id, ""), "parent done\n")
        XCTAssertLessThan(Date().timeIntervalSince(started), 4.5, "the answer does not wait for the background child")
        try suite.waitFor("the background child to be killed", timeout: 5) { self.processes(mentioning: "time.sleep(60)").isEmpty }
    }

    func testPythonMemoryLimit() throws {
        let suite = try suite
        let id = try suite.deployOK(uniqueName("pyhog"), "python",
                                    source: "x = bytearray(512 * 1024 * 1024)\nprint('allocated', len(x))\n", query: "&memory=64")
        let response = try suite.invoke(id, "", timeout: 60)
        XCTAssertEqual(response.status, 500, "512 MiB under a 64 MiB limit must fail: \(response)")
        XCTAssertFalse(response.text.contains("allocated"), "\(response)")
        // A modest function runs under the same limit.
        let small = try suite.deployOK(uniqueName("pysmall"), "python", source: "x = bytearray(8 * 1024 * 1024)\nprint(len(x))\n", query: "&memory=64")
        XCTAssertEqual(try suite.invokeText(small, ""), "8388608\n")
    }

    func testWasmMemoryLimit() throws {
        let suite = try suite
        let id = try suite.deployOK(uniqueName("chog"), "c", source: """
            #include <stdio.h>
            #include <stdlib.h>
            #include <string.h>
            int main(void) {
                size_t n = (size_t)512 << 20;
                // volatile: -O2 would otherwise drop an allocation nobody reads.
                volatile char *p = malloc(n);
                if (!p) { fputs("malloc failed", stderr); return 3; }
                for (size_t i = 0; i < n; i += 4096) p[i] = 1;
                printf("allocated %zu\\n", n);
                return 0;
            }
            """, query: "&memory=64")
        let response = try suite.invoke(id, "", timeout: 60)
        XCTAssertEqual(response.status, 500, "512 MiB under a 64 MiB limit must fail: \(response)")
        XCTAssertFalse(response.text.contains("allocated"), "\(response)")
    }

    func testFunctionCannotWriteIntoTheFunctionsFolder() throws {
        let suite = try suite
        let victim = try suite.deployOK(uniqueName("victim"), "python", source: "print('intact')\n")
        let attacker = try suite.deployOK(uniqueName("attacker"), "python", source: """
            import os, sys
            root = sys.stdin.read()
            results = []
            for target in [os.path.join(root, "PLANTED"), os.path.join(root, os.environ.get("VICTIM", ""), "code.py")]:
                try:
                    with open(target, "a") as f:
                        f.write("\\nprint('tampered')\\n")
                    results.append("wrote " + target)
                except OSError as e:
                    results.append("denied")
            print(" ".join(results))
            """.replacingOccurrences(of: "os.environ.get(\"VICTIM\", \"\")", with: "\"\(victim)\""))
        let response = try suite.invoke(attacker, suite.functionsDirectory)
        XCTAssertFalse(FileManager.default.fileExists(atPath: suite.functionsDirectory + "/PLANTED"),
                       "a function created a file among the stored functions: \(response)")
        XCTAssertEqual(try suite.invokeText(victim, ""), "intact\n", "a function modified another function's code: \(response)")
    }
}

/// Bad input on the internal sockets: a peer that breaks the protocol is disconnected and
/// nothing else is disturbed.
final class ProtocolRobustnessTests: SuiteTestCase {
    override class var suiteOptions: FaaSSuite.Options {
        var options = FaaSSuite.Options()
        options.workers = 2
        return options
    }

    /// Sends `bytes` and reads until the peer closes; returns what it said (nil: no close).
    private func sendAndReadToClose(_ path: String, _ bytes: [UInt8]) throws -> String? {
        let fd = try UnixSocketFile.connect(path)
        defer { close(fd) }
        _ = bytes.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
        var received: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while true {
            let n = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n == 0 { return String(decoding: received, as: UTF8.self) }
            if n < 0 { return errno == ECONNRESET ? String(decoding: received, as: UTF8.self) : nil }
            received += chunk[0..<n]
        }
    }

    private func assertSuiteHealthy(file: StaticString = #filePath, line: UInt = #line) throws {
        let suite = try suite
        for process in [suite.loadBalancer, suite.server, suite.gateway] {
            XCTAssertEqual(process?.isRunning, true, "\(process?.executableURL?.lastPathComponent ?? "?") died", file: file, line: line)
        }
        let id = try suite.deployOK(uniqueName("alive"), "python", source: try Examples.source("hello.py"), file: file, line: line)
        XCTAssertEqual(try suite.invokeText(id, "still"), "Hello, still\n", file: file, line: line)
    }

    func testGarbageOnTheServerSocket() throws {
        let suite = try suite
        for garbage in ["this is not json\n", "{\"type\":\"register_worker\",\"worker_id\":0,\"pid\":1}\n", "[1,2]\n", "\u{FF}\u{FE}\n"] {
            XCTAssertNotNil(try sendAndReadToClose(suite.serverSocket, Array(garbage.utf8)), "server closes a peer that sent \(garbage.debugDescription)")
        }
        try assertSuiteHealthy()
        XCTAssertEqual(suite.workerPIDs().count, 2, "the workers are untouched")
    }

    func testGarbageOnTheLoadBalancerSocket() throws {
        let suite = try suite
        for garbage in ["not json at all\n", "{\"ok\":true,\"output\":\"x\"}\n", "{\"type\":\"job\",\"id\":1,\"fn\":\"f\",\"payload\":\"\"}\n"] {
            XCTAssertNotNil(try sendAndReadToClose(suite.lbSocket, Array(garbage.utf8)), "load balancer closes a peer that sent \(garbage.debugDescription)")
        }
        try assertSuiteHealthy()
    }

    func testInvokeOverTheServerSocketAnswersByID() throws {
        let suite = try suite
        let id = try suite.deployOK(uniqueName("direct"), "python", source: try Examples.source("hello.py"))
        let fd = try UnixSocketFile.connect(suite.serverSocket)
        defer { close(fd) }
        // Two invokes on one connection, then an unknown function: three answers, matched by id.
        let lines = [
            #"{"type":"invoke","id":901,"fn":"\#(id)","payload":"one"}"#,
            #"{"type":"invoke","id":902,"fn":"\#(id)","payload":"/w==","encoding":"base64"}"#,
            #"{"type":"invoke","id":903,"fn":"nope_1","payload":""}"#,
        ].joined(separator: "\n") + "\n"
        _ = Array(lines.utf8).withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
        var framer = LineReader(fd: fd)
        var answers: [Int: [String: Any]] = [:]
        for _ in 0..<3 {
            let line = try XCTUnwrap(framer.next(), "an answer line")
            let object = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any], line)
            XCTAssertNil(object["type"], "results carry no type: \(line)")
            if let answerID = (object["id"] as? NSNumber)?.intValue { answers[answerID] = object }
        }
        XCTAssertEqual(answers[901]?["ok"] as? Bool, true)
        XCTAssertEqual(answers[901]?["output"] as? String, "Hello, one\n")
        XCTAssertEqual(answers[902]?["ok"] as? Bool, true)
        XCTAssertEqual(answers[902]?["encoding"] as? String, "base64", "a non-UTF-8 output is base64: \(answers[902] ?? [:])")
        XCTAssertEqual(Data(base64Encoded: answers[902]?["output"] as? String ?? ""), Data("Hello, ".utf8) + Data([0xFF]) + Data("\n".utf8))
        XCTAssertEqual(answers[903]?["ok"] as? Bool, false)
        XCTAssertEqual(answers[903]?["code"] as? String, "not_found")
    }

    /// A gateway that disconnects with an invoke in flight: its result must never reach the next
    /// connection, even one reusing the same request id (as a restarted gateway does).
    func testResultOfAGoneClientNeverReachesANewOne() throws {
        let suite = try suite
        let slow = try suite.deployOK(uniqueName("slowid"), "python", source: "import time\ntime.sleep(1)\nprint('for-the-first-client')\n")
        let fast = try suite.deployOK(uniqueName("fastid"), "python", source: try Examples.source("hello.py"))
        let first = try UnixSocketFile.connect(suite.serverSocket)
        let slowLine = #"{"type":"invoke","id":7,"fn":"\#(slow)","payload":""}"# + "\n"
        _ = Array(slowLine.utf8).withUnsafeBytes { send(first, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
        Thread.sleep(forTimeInterval: 0.2)
        close(first)
        // Connections opened next reuse the same id; give several a chance to land where the
        // first one was.
        for round in 0..<3 {
            let fd = try UnixSocketFile.connect(suite.serverSocket)
            defer { close(fd) }
            let line = #"{"type":"invoke","id":7,"fn":"\#(fast)","payload":"second-\#(round)"}"# + "\n"
            _ = Array(line.utf8).withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            var reader = LineReader(fd: fd)
            let answer = try XCTUnwrap(reader.next(), "an answer")
            XCTAssertTrue(answer.contains("Hello, second-\(round)"), answer)
            // Nothing more may arrive on this connection: wait past the slow function's end.
            var pollEntry = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            XCTAssertEqual(poll(&pollEntry, 1, round == 0 ? 1500 : 200), 0, "a second answer arrived on a new connection")
        }
    }
}

/// Reads `\n`-terminated lines from a socket.
struct LineReader {
    let fd: Int32
    private var buffer: [UInt8] = []

    init(fd: Int32) { self.fd = fd }

    mutating func next() -> String? {
        while true {
            if let newline = buffer.firstIndex(of: 0x0A) {
                let line = String(decoding: buffer[0..<newline], as: UTF8.self)
                buffer.removeFirst(newline + 1)
                return line
            }
            var chunk = [UInt8](repeating: 0, count: 65536)
            let n = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n <= 0 { return nil }
            buffer += chunk[0..<n]
        }
    }
}
