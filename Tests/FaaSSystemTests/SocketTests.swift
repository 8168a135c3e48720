import XCTest
import Glibc
@testable import FaaSSystem

final class SocketTests: XCTestCase {
    private var folder = ""

    override func setUpWithError() throws { folder = try temporaryFolder() }
    override func tearDown() { try? FileManager.default.removeItem(atPath: folder) }

    /// A mistyped --lb-sock naming a regular file must not delete it.
    func testListenRefusesAndKeepsARegularFileAtThePath() throws {
        let path = "\(folder)/notes.txt"
        XCTAssertTrue(FileManager.default.createFile(atPath: path, contents: Data("keep me".utf8)))
        XCTAssertThrowsError(try Socket.listenUnix(path: path)) { error in
            guard case SocketError.notASocket(let named)? = error as? SocketError else { return XCTFail("\(error)") }
            XCTAssertEqual(named, path)
        }
        XCTAssertEqual(FileManager.default.contents(atPath: path), Data("keep me".utf8))
    }

    func testStaleSocketFileIsReplacedAndALiveOneRefused() throws {
        let path = "\(folder)/d.sock"
        let first = try Socket.listenUnix(path: path)
        XCTAssertThrowsError(try Socket.listenUnix(path: path)) { error in
            guard case SocketError.addressInUse? = error as? SocketError else { return XCTFail("\(error)") }
        }
        first.close() // a crash: the file stays, nobody answers
        let second = try Socket.listenUnix(path: path)
        defer { second.close() }
        let client = try Socket.connectUnix(path: path)
        client.close()
    }

    func testConnectToNothingFailsNamingConnect() throws {
        XCTAssertThrowsError(try Socket.connectUnix(path: "\(folder)/absent.sock")) { error in
            XCTAssertEqual((error as? SystemError)?.syscall, "connect")
        }
        XCTAssertThrowsError(try Socket.connectUnix(path: String(repeating: "x", count: 200))) { error in
            guard case SocketError.pathTooLong? = error as? SocketError else { return XCTFail("\(error)") }
        }
    }

    func testTCPListenerOnAFreePortAccepts() throws {
        let listener = try Socket.listenTCP(host: "127.0.0.1", port: 0)
        defer { listener.close() }
        let port = try Socket.localPort(listener)
        XCTAssertGreaterThan(port, 0)
        guard case .wouldBlock = try Socket.accept(listener) else { return XCTFail("nobody connected yet") }
        let client = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { Glibc.close(client) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let rc = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(client, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        XCTAssertEqual(rc, 0)
        guard case .processed(let accepted) = try Socket.accept(listener) else { return XCTFail("no connection") }
        accepted.close()
        XCTAssertThrowsError(try Socket.listenTCP(host: "not-an-address", port: 0))
    }
}
