import XCTest
import Glibc
@testable import FaaSSystem

/// Runs `loop` until a handler stops it; a loop still running after `limit` seconds is stopped
/// and the test fails (nothing in these tests should take that long).
func runLoop(_ loop: EventLoop, limit: Double = 20, file: StaticString = #filePath, line: UInt = #line) throws {
    var expired = false
    let guardTimer = loop.schedule(after: limit) {
        expired = true
        loop.stop()
    }
    try loop.run()
    loop.cancel(guardTimer)
    XCTAssertFalse(expired, "the loop was still running after \(limit) s", file: file, line: line)
}

/// A connected pair of UNIX stream sockets, close-on-exec.
func socketPair() throws -> (FileDescriptor, FileDescriptor) {
    var fds: [Int32] = [-1, -1]
    try syscall("socketpair") { socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0, &fds) }
    return (FileDescriptor(rawValue: fds[0]), FileDescriptor(rawValue: fds[1]))
}

/// A fresh folder for one test, removed afterwards by the caller.
func temporaryFolder() throws -> String {
    var template = Array("/tmp/faas-unit-XXXXXX".utf8CString)
    guard let path = template.withUnsafeMutableBufferPointer({ mkdtemp($0.baseAddress!) }) else {
        throw SystemError("mkdtemp", errno: errno)
    }
    return String(cString: path)
}
