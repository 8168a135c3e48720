import XCTest
import Glibc
import FaaSSystem
@testable import FaaSProtocol

/// MessageChannel and ReconnectingChannel on a real event loop over real sockets.
final class ChannelTests: XCTestCase {
    private var folder = ""
    private let log = Logger(daemon: "test", level: .error)

    override func setUpWithError() throws {
        var template = Array("/tmp/faas-chan-XXXXXX".utf8CString)
        folder = template.withUnsafeMutableBufferPointer { String(cString: mkdtemp($0.baseAddress!)) }
    }

    override func tearDown() { try? FileManager.default.removeItem(atPath: folder) }

    private func run(_ loop: EventLoop, limit: Double = 10, file: StaticString = #filePath, line: UInt = #line) throws {
        var expired = false
        let timer = loop.schedule(after: limit) { expired = true; loop.stop() }
        try loop.run()
        loop.cancel(timer)
        XCTAssertFalse(expired, "the loop was still running after \(limit) s", file: file, line: line)
    }

    private func pair(_ loop: EventLoop) throws -> (MessageChannel, MessageChannel) {
        var fds: [Int32] = [-1, -1]
        try syscall("socketpair") { socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0, &fds) }
        return (MessageChannel(connection: Connection(loop: loop, socket: FileDescriptor(rawValue: fds[0]))),
                MessageChannel(connection: Connection(loop: loop, socket: FileDescriptor(rawValue: fds[1]))))
    }

    func testMessagesArriveWholeAndInOrder() throws {
        let loop = try EventLoop()
        let (left, right) = try pair(loop)
        var received: [(Int, Int32)] = []
        right.onMessage = { message in
            guard case .registerWorker(let register) = message else { return XCTFail("\(message)") }
            received.append((register.workerID, register.pid))
            if received.count == 100 { loop.stop() }
        }
        try left.start()
        try right.start()
        for index in 0..<100 { left.send(.registerWorker(RegisterWorkerMessage(workerID: index, pid: Int32(1000 + index)))) }
        try run(loop)
        XCTAssertEqual(received.map(\.0), Array(0..<100))
        XCTAssertEqual(received.map(\.1), (0..<100).map { Int32(1000 + $0) })
        left.close("done")
        right.close("done")
    }

    func testMalformedLineClosesTheChannelWithAReason() throws {
        let loop = try EventLoop()
        let (left, right) = try pair(loop)
        var reason: String?
        var messages = 0
        right.onMessage = { _ in messages += 1 }
        right.onClose = { why in reason = why; loop.stop() }
        try left.start()
        try right.start()
        left.send(.registerWorker(RegisterWorkerMessage(workerID: 1, pid: 2)))
        left.connection.send(Array("{\"type\":\"no-such-thing\"}\n".utf8))
        try run(loop)
        XCTAssertEqual(messages, 1, "the good line before it still arrives")
        XCTAssertTrue(reason?.hasPrefix("protocol error: bad message") == true, "\(String(describing: reason))")
        XCTAssertTrue(right.isClosed)
        left.close("done")
    }

    func testOverlongLineClosesTheChannel() throws {
        let loop = try EventLoop()
        let (left, right) = try pair(loop)
        var reason: String?
        right.onClose = { why in reason = why; loop.stop() }
        try left.start()
        try right.start()
        left.connection.maxPendingOutput = Int.max
        // No newline within the limit: the framer gives up rather than buffer forever.
        let chunk = [UInt8](repeating: UInt8(ascii: "x"), count: 1 << 20)
        var sent = 0
        func more() {
            guard !right.isClosed, sent <= WireProtocol.maxLineLength + (1 << 20) else { return }
            left.connection.send(chunk)
            sent += chunk.count
            loop.schedule(after: 0.001) { more() }
        }
        more()
        try run(loop, limit: 60)
        XCTAssertTrue(reason?.contains("line longer than") == true, "\(String(describing: reason))")
        left.close("done")
    }

    func testPeerClosingEndsTheChannelOnce() throws {
        let loop = try EventLoop()
        let (left, right) = try pair(loop)
        var closes: [String] = []
        right.onClose = { why in closes.append(why); loop.schedule(after: 0.05) { loop.stop() } }
        try left.start()
        try right.start()
        loop.schedule(after: 0.01) { left.close("bye") }
        try run(loop)
        XCTAssertEqual(closes, ["end of file"])
    }

    /// The peer starts late, goes away, and comes back: the channel connects each time by
    /// itself, reports the loss once, and messages flow again.
    func testReconnectingChannelComesBackAfterThePeerRestarts() throws {
        let loop = try EventLoop()
        let path = "\(folder)/peer.sock"
        let client = ReconnectingChannel(path: path, peer: "peer", loop: loop, log: log, retryDelay: 0.02)
        var events: [String] = []
        var server: FileDescriptor?
        var accepted: [MessageChannel] = []

        func listen() throws {
            let listener = try Socket.listenUnix(path: path)
            server = listener
            try loop.register(listener, .readable) { _ in
                while case .processed(let fd)? = try? Socket.accept(listener) {
                    let channel = MessageChannel(connection: Connection(loop: loop, socket: fd))
                    channel.onMessage = { message in
                        guard case .registerWorker(let register) = message else { return }
                        events.append("peer got \(register.workerID)")
                        if register.workerID == 1 {
                            // The peer dies: its connections and its socket go.
                            for open in accepted { open.close("peer crash") }
                            loop.unregister(listener)
                            listener.close()
                            unlink(path)
                            loop.schedule(after: 0.1) { try? listen() }
                        } else {
                            loop.stop()
                        }
                    }
                    accepted.append(channel)
                    try? channel.start()
                }
            }
        }

        var connects = 0
        client.onConnect = {
            connects += 1
            events.append("connected")
            XCTAssertTrue(client.send(.registerWorker(RegisterWorkerMessage(workerID: connects, pid: 1))))
        }
        client.onDisconnect = { _ in events.append("lost") }
        XCTAssertFalse(client.send(.registerWorker(RegisterWorkerMessage(workerID: 0, pid: 1))), "nothing to send on yet")
        client.connect()
        loop.schedule(after: 0.1) { try? listen() }   // the peer starts late
        try run(loop)
        XCTAssertEqual(events, ["connected", "peer got 1", "lost", "connected", "peer got 2"])
        client.stop()
        XCTAssertFalse(client.isConnected)
        if let server { server.close() }
    }
}
