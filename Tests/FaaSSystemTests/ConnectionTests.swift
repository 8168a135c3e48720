import XCTest
import Glibc
@testable import FaaSSystem

final class ConnectionTests: XCTestCase {
    func testBytesCrossBothWaysAndEndOfFileCloses() throws {
        let loop = try EventLoop()
        let (a, b) = try socketPair()
        let left = Connection(loop: loop, socket: a)
        let right = Connection(loop: loop, socket: b)
        var atRight: [UInt8] = []
        var atLeft: [UInt8] = []
        var reasons: [String] = []
        right.onData = { bytes in
            atRight += bytes
            if atRight.count == 5 { right.send(Array("pong".utf8)) }
        }
        left.onData = { bytes in
            atLeft += bytes
            if atLeft.count == 4 { left.closeAfterFlush() }
        }
        left.onClose = { reasons.append("left: \($0)") }
        right.onClose = { reason in
            reasons.append("right: \(reason)")
            loop.stop()
        }
        try left.start()
        try right.start()
        left.send(Array("ping!".utf8))
        try runLoop(loop)
        XCTAssertEqual(atRight, Array("ping!".utf8))
        XCTAssertEqual(atLeft, Array("pong".utf8))
        XCTAssertEqual(reasons, ["left: closed after flush", "right: end of file"])
    }

    /// A peer that reads as fast as we send but never catches up keeps the buffer non-empty
    /// forever: its memory must follow what waits, not everything ever sent.
    func testWriteBufferStaysBoundedForAPeerThatNeverCatchesUp() throws {
        let loop = try EventLoop()
        let (a, b) = try socketPair()
        defer { b.close() }
        let connection = Connection(loop: loop, socket: a)
        connection.onData = { _ in }
        try connection.start()
        let chunk = [UInt8](repeating: 7, count: 64 * 1024)
        // A backlog larger than the socket buffers, so the queue never drains.
        for _ in 0..<16 { connection.send(chunk) }
        var sent = 16 * chunk.count
        var largest = 0
        var sink = [UInt8](repeating: 0, count: chunk.count)
        func round() {
            // Take what has arrived (never waiting: only this thread can write more), and send
            // as much again, so the backlog stays where it is.
            let n = sink.withUnsafeMutableBytes { recv(b.rawValue, $0.baseAddress, $0.count, Int32(MSG_DONTWAIT)) }
            if n > 0 {
                connection.send(Array(chunk[0..<n]))
                sent += n
            }
            largest = max(largest, connection.bufferedByteCount)
            if sent >= 24 << 20 { loop.stop() } else { loop.schedule(after: 0) { round() } }
        }
        loop.schedule(after: 0.01) { round() }
        try runLoop(loop, limit: 60)
        XCTAssertGreaterThan(connection.pendingOutputCount, 0, "the peer never caught up")
        XCTAssertLessThan(largest, 4 << 20, "sent \(sent) bytes; the buffer peaked at \(largest)")
        connection.close(.local("done"))
    }

    /// Small messages (copied, coalesced) and large arrays (queued as they are) sent while the
    /// peer is backed up arrive complete and in order; what was written is released as it goes.
    func testSmallAndLargeSendsWhileBackedUpArriveInOrder() throws {
        let loop = try EventLoop()
        let (a, b) = try socketPair()
        let sender = Connection(loop: loop, socket: a)
        sender.onData = { _ in }
        try sender.start()
        var expected: [UInt8] = []
        for round in 0..<6 {
            let small = Array("line \(round)\n".utf8)
            let large = (0..<(300_000 + round * 70_001)).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ round) }
            sender.send(small)
            sender.send(large)
            large.withUnsafeBytes { sender.send(UnsafeRawBufferPointer(rebasing: $0[0..<(70_000 + round)])) }
            expected += small + large + large[0..<(70_000 + round)]
        }
        XCTAssertGreaterThan(sender.pendingOutputCount, 0, "backed up: the socket buffer holds far less")
        let receiver = Connection(loop: loop, socket: b)
        var received: [UInt8] = []
        receiver.onData = { bytes in
            received += bytes
            if received.count >= expected.count { loop.stop() }
        }
        try receiver.start()
        try runLoop(loop, limit: 60)
        XCTAssertEqual(received.count, expected.count)
        XCTAssertTrue(received == expected, "bytes arrive in the order sent")
        XCTAssertEqual(sender.pendingOutputCount, 0)
        XCTAssertEqual(sender.bufferedByteCount, 0, "written chunks are released")
        sender.close(.local("done"))
        receiver.close(.local("done"))
    }

    /// epoll_ctl(MOD) failing must not leave the connection waiting for an event that never
    /// comes: it closes, naming the call.
    func testFailedInterestChangeClosesTheConnection() throws {
        let loop = try EventLoop()
        let (a, b) = try socketPair()
        defer { b.close() }
        let connection = Connection(loop: loop, socket: a)
        var reason: Connection.CloseReason?
        connection.onData = { _ in }
        connection.onClose = { reason = $0 }
        try connection.start()
        // The descriptor vanishes behind the connection's back: epoll no longer knows it.
        let stolen = try a.duplicate()
        defer { stolen.close() }
        Glibc.close(a.rawValue)
        connection.pauseReading()
        XCTAssertTrue(connection.isClosed)
        guard case .failed(let error)? = reason else { return XCTFail("closed with \(String(describing: reason))") }
        XCTAssertEqual(error.syscall, "epoll_ctl(MOD)")
    }

    func testPeerNotReadingIsCutOffAtTheLimit() throws {
        let loop = try EventLoop()
        let (a, b) = try socketPair()
        defer { b.close() }
        let connection = Connection(loop: loop, socket: a)
        connection.maxPendingOutput = 1 << 20
        var reason: String?
        connection.onData = { _ in }
        connection.onClose = { reason = "\($0)"; loop.stop() }
        try connection.start()
        func more() {
            connection.send([UInt8](repeating: 1, count: 256 * 1024))
            if !connection.isClosed { loop.schedule(after: 0.001) { more() } }
        }
        more()
        try runLoop(loop)
        XCTAssertTrue(reason?.contains("peer is not reading") == true, "\(String(describing: reason))")
    }
}
