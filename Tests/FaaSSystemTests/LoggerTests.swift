import Foundation
import Glibc
import XCTest
@testable import FaaSSystem

final class LoggerTests: XCTestCase {
    /// What `body` writes to standard error (fd 2 is swapped for a pipe meanwhile).
    private func standardError(_ body: () -> Void) throws -> String {
        var fds: [Int32] = [-1, -1]
        XCTAssertEqual(pipe(&fds), 0)
        let saved = dup(2)
        dup2(fds[1], 2)
        body()
        dup2(saved, 2)
        close(saved)
        close(fds[1])
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let n = read(fds[0], &buffer, buffer.count)
            if n <= 0 { break }
            bytes += buffer[0..<n]
        }
        close(fds[0])
        return String(decoding: bytes, as: UTF8.self)
    }

    func testALineIsAnISOTimeTheLevelTheDaemonAndQuotedFields() throws {
        let before = Date()
        let line = try standardError { Logger(daemon: "test").info("hello", ["plain": "v", "spaced": "v w", "count": 7]) }
        let pattern = #"^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})\.(\d{3})Z info test\[(\d+)\] hello plain=v spaced="v w" count=7\n$"#
        let match = try XCTUnwrap(line.range(of: pattern, options: .regularExpression), "got \(line.debugDescription)")
        XCTAssertEqual(match, line.startIndex..<line.endIndex)
        XCTAssertTrue(line.contains("test[\(getpid())]"))
        // The stamp is UTC and now (to the second).
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        let stamp = try XCTUnwrap(formatter.date(from: String(line.prefix(24))), String(line.prefix(24)))
        XCTAssertLessThan(abs(stamp.timeIntervalSince(before)), 2)
    }

    func testLevelsBelowTheLoggersAreNotWritten() throws {
        let text = try standardError {
            let log = Logger(daemon: "quiet", level: .warn)
            log.info("not this")
            log.warn("this")
        }
        XCTAssertFalse(text.contains("not this"))
        XCTAssertTrue(text.contains(" warn quiet["), text)
    }
}
