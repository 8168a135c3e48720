import FaaSSystem
import Glibc

/// A minimal HTTP/1.1 client on the event loop for callbacks: one POST per connection
/// (`Connection: close`), success when the receiver answers 2xx. Bounded in time.
final class CallbackClient {
    enum Outcome {
        case delivered(Int)
        case failed(String)
    }

    private unowned let loop: EventLoop
    private let timeout: Double

    init(loop: EventLoop, timeout: Double = 10) {
        self.loop = loop
        self.timeout = timeout
    }

    func post(_ url: CallbackURL, address: UInt32, headers: [(String, String)], body: [UInt8], completion: @escaping (Outcome) -> Void) {
        let fd: FileDescriptor
        do { fd = try Socket.connectTCP(address: address, port: url.port) } catch {
            return completion(.failed("\(error)"))
        }
        var request = "POST \(url.target) HTTP/1.1\r\nHost: \(url.host)\(url.port == 80 ? "" : ":\(url.port)")\r\n"
        request += "Content-Type: application/json\r\nContent-Length: \(body.count)\r\nConnection: close\r\nUser-Agent: faas-gateway\r\n"
        for (name, value) in headers { request += "\(name): \(value)\r\n" }
        request += "\r\n"
        let bytes = Array(request.utf8) + body
        let exchange = Exchange(loop: loop, completion: completion)
        exchange.connecting = fd
        exchange.timer = loop.schedule(after: timeout) { [weak exchange, timeout] in
            exchange?.finish(.failed("no answer within \(Int(timeout)) s"))
        }
        do {
            try loop.register(fd, .writable) { [unowned self, exchange] _ in
                self.loop.unregister(fd)
                exchange.connecting = nil
                let code = Socket.pendingError(fd)
                guard code == 0 else {
                    fd.close()
                    return exchange.finish(.failed("connect: \(String(cString: strerror(code)))"))
                }
                self.converse(fd, bytes, exchange)
            }
        } catch {
            exchange.connecting = nil
            fd.close()
            exchange.finish(.failed("\(error)"))
        }
    }

    private func converse(_ fd: FileDescriptor, _ request: [UInt8], _ exchange: Exchange) {
        let connection = Connection(loop: loop, socket: fd)
        exchange.connection = connection
        var head: [UInt8] = []
        // The connection holds the exchange until it closes (finish closes it, clearing its handlers).
        connection.onData = { [exchange] bytes in
            head.append(contentsOf: bytes.prefix(max(0, 1024 - head.count)))
            // The status line is all that is needed: `HTTP/1.1 204 ...`.
            if let end = head.firstIndex(of: UInt8(ascii: "\n")) {
                let line = String(decoding: head[..<end], as: UTF8.self)
                let parts = line.split(separator: " ")
                if parts.count >= 2, parts[0].hasPrefix("HTTP/1."), let status = Int(parts[1]) {
                    exchange.finish((200..<300).contains(status) ? .delivered(status) : .failed("the receiver answered \(status)"))
                } else {
                    exchange.finish(.failed("not an HTTP response"))
                }
            } else if head.count >= 1024 {
                exchange.finish(.failed("not an HTTP response"))
            }
        }
        connection.onClose = { [exchange] reason in exchange.finish(.failed("connection closed before an answer (\(reason))")) }
        do { try connection.start() } catch {
            connection.close(.local("\(error)"))
            return
        }
        connection.send(request)
    }

    /// One delivery: finishes exactly once, cancelling its timer and closing its descriptor.
    private final class Exchange {
        private unowned let loop: EventLoop
        private var completion: ((Outcome) -> Void)?
        var timer: TimerQueue.ID?
        /// The socket while the connect is pending (then the connection owns it).
        var connecting: FileDescriptor?
        var connection: Connection?

        init(loop: EventLoop, completion: @escaping (Outcome) -> Void) {
            self.loop = loop
            self.completion = completion
        }

        func finish(_ outcome: Outcome) {
            guard let completion else { return }
            self.completion = nil
            if let timer { loop.cancel(timer) }
            if let fd = connecting {
                loop.unregister(fd)
                fd.close()
                connecting = nil
            }
            let connection = self.connection
            self.connection = nil
            connection?.onClose = nil
            connection?.close(.local("callback finished"))
            completion(outcome)
        }
    }
}
