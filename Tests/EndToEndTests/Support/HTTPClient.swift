import Foundation
import Glibc

/// A response as the client saw it. Header names are lowercased.
struct HTTPResult: CustomStringConvertible {
    let status: Int
    let reason: String
    let headers: [String: String]
    let body: Data

    var text: String { String(decoding: body, as: UTF8.self) }

    func header(_ name: String) -> String? { headers[name.lowercased()] }

    /// The body as a JSON object; throws with the body in the message when it is not one.
    func json() throws -> [String: Any] {
        guard let object = try? JSONSerialization.jsonObject(with: body), let dictionary = object as? [String: Any] else {
            throw HTTPClientError.notJSON(status: status, body: text)
        }
        return dictionary
    }

    var description: String {
        let shown = body.count > 600 ? String(decoding: body.prefix(600), as: UTF8.self) + "… (\(body.count) bytes)" : text
        return "HTTP \(status) \(shown)"
    }
}

enum HTTPClientError: Error, CustomStringConvertible {
    case connect(Int32)
    case io(String, Int32)
    case timedOut(String)
    case closedEarly(String)
    case malformed(String)
    case notJSON(status: Int, body: String)

    var description: String {
        switch self {
        case .connect(let e): return "connect failed: \(String(cString: strerror(e)))"
        case .io(let what, let e): return "\(what) failed: \(String(cString: strerror(e)))"
        case .timedOut(let what): return "timed out waiting for \(what)"
        case .closedEarly(let what): return "connection closed before \(what)"
        case .malformed(let why): return "malformed response: \(why)"
        case .notJSON(let status, let body): return "HTTP \(status): body is not a JSON object: \(body.prefix(500))"
        }
    }
}

/// One TCP connection to the gateway over plain POSIX sockets, so tests control every byte:
/// keep-alive, pipelining, `Expect: 100-continue`, chunked bodies, malformed requests.
final class HTTPConnection {
    let port: Int
    private var fd: Int32
    private var buffer: [UInt8] = []
    private(set) var isClosedByPeer = false

    init(port: Int, timeout: Double = 60) throws {
        self.port = port
        fd = try connectLoopback(port: port)
        setTimeout(timeout)
        var one: Int32 = 1
        setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
    }

    deinit { close() }

    func setTimeout(_ seconds: Double) {
        var tv = timeval(tv_sec: Int(seconds), tv_usec: Int((seconds - floor(seconds)) * 1_000_000))
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
    }

    func close() {
        if fd >= 0 {
            Glibc.close(fd)
            fd = -1
        }
    }

    func send(_ bytes: [UInt8]) throws {
        var offset = 0
        while offset < bytes.count {
            let n = bytes[offset...].withUnsafeBytes { raw in Glibc.send(fd, raw.baseAddress, raw.count, Int32(MSG_NOSIGNAL)) }
            if n < 0 {
                if errno == EINTR { continue }
                throw HTTPClientError.io("send", errno)
            }
            offset += n
        }
    }

    func send(_ text: String) throws { try send(Array(text.utf8)) }
    func send(_ data: Data) throws { try send([UInt8](data)) }

    /// Sends a complete request. `Content-Length` is added unless the caller sets framing; the
    /// suite's admin key unless the caller sets `Authorization` or `authorized` is false.
    func sendRequest(_ method: String, _ path: String, body: Data = Data(), headers: [(String, String)] = [], authorized: Bool = true) throws {
        var head = "\(method) \(path) HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\n"
        if authorized && !headers.contains(where: { $0.0.lowercased() == "authorization" }) { head += authLine }
        let framed = headers.contains { ["content-length", "transfer-encoding"].contains($0.0.lowercased()) }
        if !framed && (!body.isEmpty || ["POST", "PUT"].contains(method)) { head += "Content-Length: \(body.count)\r\n" }
        for (name, value) in headers { head += "\(name): \(value)\r\n" }
        head += "\r\n"
        try send(Array(head.utf8) + [UInt8](body))
    }

    /// Reads more bytes into the buffer; false at end of stream.
    private func fill(_ what: String) throws -> Bool {
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = chunk.withUnsafeMutableBytes { raw in Glibc.recv(fd, raw.baseAddress, raw.count, 0) }
            if n > 0 {
                buffer.append(contentsOf: chunk[0..<n])
                return true
            }
            if n == 0 {
                isClosedByPeer = true
                return false
            }
            if errno == EINTR { continue }
            if errno == EAGAIN || errno == EWOULDBLOCK { throw HTTPClientError.timedOut(what) }
            if errno == ECONNRESET {
                isClosedByPeer = true
                return false
            }
            throw HTTPClientError.io("recv", errno)
        }
    }

    private func takeLine(_ what: String) throws -> String {
        while true {
            if let index = findCRLF() {
                let line = String(decoding: buffer[0..<index], as: UTF8.self)
                buffer.removeFirst(index + 2)
                return line
            }
            guard try fill(what) else { throw HTTPClientError.closedEarly(what) }
        }
    }

    private func findCRLF() -> Int? {
        guard buffer.count >= 2 else { return nil }
        for i in 0..<(buffer.count - 1) where buffer[i] == 13 && buffer[i + 1] == 10 { return i }
        return nil
    }

    private func take(_ count: Int, _ what: String) throws -> [UInt8] {
        while buffer.count < count {
            guard try fill(what) else { throw HTTPClientError.closedEarly(what) }
        }
        let bytes = Array(buffer[0..<count])
        buffer.removeFirst(count)
        return bytes
    }

    /// Reads one response (an interim 1xx one too: the caller decides what to do next).
    func readResponse(forHEAD: Bool = false) throws -> HTTPResult {
        let statusLine = try takeLine("the status line")
        let parts = statusLine.split(separator: " ", maxSplits: 2, omittingEmptySubsequences: false)
        guard parts.count >= 2, parts[0].hasPrefix("HTTP/1."), let status = Int(parts[1]) else {
            throw HTTPClientError.malformed("status line \(statusLine.debugDescription)")
        }
        var headers: [String: String] = [:]
        while true {
            let line = try takeLine("the headers")
            if line.isEmpty { break }
            guard let colon = line.firstIndex(of: ":") else { throw HTTPClientError.malformed("header \(line.debugDescription)") }
            let name = line[..<colon].lowercased()
            let value = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            headers[name] = headers[name].map { $0 + ", " + value } ?? value
        }
        let reason = parts.count > 2 ? String(parts[2]) : ""
        if (100..<200).contains(status) || status == 204 || status == 304 || forHEAD {
            return HTTPResult(status: status, reason: reason, headers: headers, body: Data())
        }
        var body: [UInt8] = []
        if headers["transfer-encoding"]?.lowercased().contains("chunked") == true {
            while true {
                let sizeLine = try takeLine("a chunk size")
                guard let size = Int(sizeLine.split(separator: ";")[0].trimmingCharacters(in: .whitespaces), radix: 16) else {
                    throw HTTPClientError.malformed("chunk size \(sizeLine.debugDescription)")
                }
                if size == 0 {
                    while try !takeLine("the trailer").isEmpty {}
                    break
                }
                body += try take(size, "a chunk")
                _ = try take(2, "a chunk end")
            }
        } else if let length = headers["content-length"] {
            guard let count = Int(length) else { throw HTTPClientError.malformed("content-length \(length)") }
            body = try take(count, "the body (\(count) bytes)")
        } else {
            while try fill("the body (until close)") {}
            body = buffer
            buffer = []
        }
        return HTTPResult(status: status, reason: reason, headers: headers, body: Data(body))
    }

    /// Reads a streamed response's head only (`follow=1`): its status and lowercased headers;
    /// the chunks follow with `readChunk`.
    func readStreamHead() throws -> (status: Int, headers: [String: String]) {
        let statusLine = try takeLine("the status line")
        let parts = statusLine.split(separator: " ", maxSplits: 2, omittingEmptySubsequences: false)
        guard parts.count >= 2, let status = Int(parts[1]) else { throw HTTPClientError.malformed("status line \(statusLine.debugDescription)") }
        var headers: [String: String] = [:]
        while true {
            let line = try takeLine("the headers")
            if line.isEmpty { break }
            guard let colon = line.firstIndex(of: ":") else { throw HTTPClientError.malformed("header \(line.debugDescription)") }
            headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        return (status, headers)
    }

    /// The next chunk of a chunked body; nil for the last (empty) chunk.
    func readChunk() throws -> [UInt8]? {
        let sizeLine = try takeLine("a chunk size")
        guard let size = Int(sizeLine.split(separator: ";")[0].trimmingCharacters(in: .whitespaces), radix: 16) else {
            throw HTTPClientError.malformed("chunk size \(sizeLine.debugDescription)")
        }
        if size == 0 {
            while try !takeLine("the trailer").isEmpty {}
            return nil
        }
        let bytes = try take(size, "a chunk")
        _ = try take(2, "a chunk end")
        return bytes
    }

    /// Reads until the peer closes; true when it did (false on timeout).
    func waitForClose(timeout: Double) -> Bool {
        setTimeout(timeout)
        while true {
            do { if try !fill("close") { return true } } catch { return false }
        }
    }
}

enum HTTP {
    /// One request on a fresh connection (`Connection: close`).
    static func request(port: Int, _ method: String, _ path: String, body: Data = Data(),
                        headers: [(String, String)] = [], authorized: Bool = true, timeout: Double = 60) throws -> HTTPResult {
        let connection = try HTTPConnection(port: port, timeout: timeout)
        defer { connection.close() }
        try connection.sendRequest(method, path, body: body, headers: headers + [("Connection", "close")], authorized: authorized)
        return try connection.readResponse(forHEAD: method == "HEAD")
    }

    /// Many requests at once, one connection each: all are sent before any response is read, so
    /// the gateway really has them all in flight together.
    static func concurrent(port: Int, _ requests: [(method: String, path: String, body: Data)], timeout: Double = 120) -> [Result<HTTPResult, Error>] {
        var connections: [Result<HTTPConnection, Error>] = []
        for request in requests {
            connections.append(Result {
                let connection = try HTTPConnection(port: port, timeout: timeout)
                try connection.sendRequest(request.method, request.path, body: request.body, headers: [("Connection", "close")])
                return connection
            })
        }
        return connections.map { connection in
            Result {
                let connection = try connection.get()
                defer { connection.close() }
                return try connection.readResponse()
            }
        }
    }
}

/// The `Authorization` header line with the suite's admin key, for tests writing raw requests.
let authLine = "Authorization: Bearer \(FaaSSuite.adminKey)\r\n"

extension String {
    /// Percent-encodes for a query value (RFC 3986 unreserved characters stay as they are).
    var queryEncoded: String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        var result = ""
        for byte in self.utf8 {
            let scalar = Unicode.Scalar(byte)
            if byte < 0x80, allowed.contains(scalar) { result.append(Character(scalar)) } else { result += String(format: "%%%02X", byte) }
        }
        return result
    }
}

/// A blocking TCP connection to 127.0.0.1:`port`.
/// `source`: the local address to connect from (127.0.0.2 plays another client).
func connectLoopback(port: Int, from source: String? = nil) throws -> Int32 {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard fd >= 0 else { throw HTTPClientError.io("socket", errno) }
    if let source {
        var local = sockaddr_in()
        local.sin_family = sa_family_t(AF_INET)
        local.sin_addr.s_addr = inet_addr(source)
        let bound = withUnsafePointer(to: &local) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0 else {
            let error = errno
            Glibc.close(fd)
            throw HTTPClientError.io("bind", error)
        }
    }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_port = in_port_t(UInt16(port).bigEndian)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    let connected = withUnsafePointer(to: &address) { pointer in
        pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
    }
    guard connected == 0 else {
        let error = errno
        Glibc.close(fd)
        throw HTTPClientError.connect(error)
    }
    return fd
}
