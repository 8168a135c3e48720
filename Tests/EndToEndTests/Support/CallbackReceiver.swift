import Foundation
import Glibc

/// A small HTTP listener on a loopback address for callback tests: records every request it
/// gets (and every connection, even one that sends nothing), answers 204, or 500 to the first
/// `failFirst` requests to make the gateway retry. Stops by itself when closed.
final class CallbackReceiver: @unchecked Sendable {
    struct Received {
        let headers: [String: String]
        let body: Data
    }

    let address: String
    private(set) var port = 0
    private let fd: Int32
    private let lock = NSLock()
    private var _received: [Received] = []
    private var _connections = 0
    private var failFirst: Int
    private var closed = false

    init(address: String = "127.0.0.1", failFirst: Int = 0) throws {
        self.address = address
        self.failFirst = failFirst
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var one: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        var sin = sockaddr_in()
        sin.sin_family = sa_family_t(AF_INET)
        sin.sin_port = 0
        inet_pton(AF_INET, address, &sin.sin_addr)
        let bound = withUnsafePointer(to: &sin) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
        guard bound == 0, listen(fd, 64) == 0 else { throw HTTPClientError.io("bind/listen \(address)", errno) }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &sin) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) } }
        port = Int(UInt16(bigEndian: sin.sin_port))
        let thread = Thread { [self] in self.acceptLoop() }
        thread.start()
    }

    var url: String { "http://\(address):\(port)/hook" }
    var received: [Received] { lock.withLock { _received } }
    var connections: Int { lock.withLock { _connections } }

    func close() {
        lock.withLock { closed = true }
        shutdown(fd, Int32(SHUT_RDWR))
        Glibc.close(fd)
    }

    private func acceptLoop() {
        while true {
            var entry = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            let ready = poll(&entry, 1, 200)
            if lock.withLock({ closed }) { return }
            guard ready > 0 else { continue }
            let client = accept(fd, nil, nil)
            guard client >= 0 else { if errno == EINTR || errno == EAGAIN { continue } else { return } }
            lock.withLock { _connections += 1 }
            serve(client)
            Glibc.close(client)
        }
    }

    private func serve(_ client: Int32) {
        var timeout = timeval(tv_sec: 5, tv_usec: 0)
        setsockopt(client, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var data: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        var headEnd: Int?
        var contentLength = 0
        var headers: [String: String] = [:]
        while true {
            if let end = headEnd, data.count >= end + contentLength { break }
            let n = buffer.withUnsafeMutableBytes { recv(client, $0.baseAddress, $0.count, 0) }
            if n <= 0 { return }
            data.append(contentsOf: buffer[0..<n])
            if headEnd == nil, let range = Data(data).range(of: Data("\r\n\r\n".utf8)) {
                headEnd = range.upperBound
                let head = String(decoding: data[0..<range.lowerBound], as: UTF8.self)
                for line in head.split(separator: "\r\n").dropFirst() {
                    guard let colon = line.firstIndex(of: ":") else { continue }
                    headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
                }
                contentLength = Int(headers["content-length"] ?? "0") ?? 0
            }
        }
        let end = headEnd ?? data.count
        let fail = lock.withLock { () -> Bool in
            if failFirst > 0 {
                failFirst -= 1
                return true
            }
            _received.append(Received(headers: headers, body: Data(data[end..<min(data.count, end + contentLength)])))
            return false
        }
        let answer = fail ? "HTTP/1.1 500 Internal Server Error\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
                          : "HTTP/1.1 204 No Content\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
        _ = answer.withCString { send(client, $0, strlen($0), Int32(MSG_NOSIGNAL)) }
    }
}
