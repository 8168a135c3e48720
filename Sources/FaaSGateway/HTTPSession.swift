import FaaSSystem
import FaaSProtocol
import FaaSHTTP
import FaaSStore
import FaaSSandbox
import FaaSWasm

/// One client connection: feeds bytes to the parser, answers `100 Continue`, hands complete
/// requests to the gateway one at a time (so responses leave in request order even when the
/// client pipelines), and enforces the read and idle time limits.
final class HTTPSession {
    let connection: Connection
    /// The client's IP address as the socket sees it (a proxy's, behind one).
    let peerAddress: String
    private unowned let gateway: Gateway
    private var parser: HTTPRequestParser
    private var input: [UInt8] = []
    private var consumed = 0
    /// A request is being handled; the next is parsed only after its response is queued.
    private(set) var busy = false
    private var closing = false
    /// The parser refused a request: the answer is on its way and the connection closes; bytes
    /// still arriving are ignored (they would be refused, and counted, once more).
    private var refused = false
    /// Bumped per response: a late completion for an earlier request is recognised and dropped.
    private(set) var generation: UInt64 = 0
    /// The version of the request being answered: an HTTP/1.0 client kept alive must be told so
    /// (`Connection: keep-alive`, RFC 9112 section 9.3), or it waits for a close.
    private var requestVersion = HTTPVersion.http1_1
    /// When the current partial request started, or when the connection went idle.
    private(set) var lastProgress = EventLoop.now()

    /// Where in `input` the request being parsed starts: names its route when it is refused
    /// before it is complete.
    private var requestStart: Int?

    init(connection: Connection, gateway: Gateway, limits: HTTPParserLimits, peerAddress: String) {
        self.connection = connection
        self.peerAddress = peerAddress
        self.gateway = gateway
        self.parser = HTTPRequestParser(limits: limits)
        connection.onData = { [unowned self] bytes in self.received(bytes) }
        // A client may half-close after its request and still wait for the answer.
        connection.onEndOfInput = { [unowned self] in
            self.closing = true
            if !self.busy { self.connection.closeAfterFlush() }
        }
    }

    var isClosed: Bool { connection.isClosed }
    var isIdle: Bool { !busy && parser.isIdle && consumed == input.count }

    /// Called by the gateway's sweep: closes stalled or idle connections.
    func checkTimeouts(now: Double, readTimeout: Double, idleTimeout: Double) {
        guard !busy, !connection.isClosed else { return }
        if isIdle {
            if now - lastProgress > idleTimeout { connection.close(.local("idle timeout")) }
        } else if now - lastProgress > readTimeout {
            send(HTTPResponse.jsonError(status: .requestTimeout, message: "request not received in time"), keepAlive: false)
        }
    }

    /// Queues the response to the current request and moves on to the next one.
    func respond(_ response: HTTPResponse, keepAlive: Bool, omitBody: Bool = false) {
        guard busy else { return }
        busy = false
        send(response, keepAlive: keepAlive && !closing, omitBody: omitBody)
        if !connection.isClosed {
            // Parse what the client pipelined after this request, on the next turn.
            gateway.loop.execute { [self] in
                if !self.connection.isClosed && !self.busy { self.process() }
            }
        }
    }

    private func send(_ response: HTTPResponse, keepAlive: Bool, omitBody: Bool = false) {
        generation &+= 1
        lastProgress = EventLoop.now()
        connection.send(response.serialize(keepAlive: keepAlive, requestVersion: requestVersion, omitBody: omitBody))
        if !keepAlive { connection.closeAfterFlush() }
    }

    private func received(_ bytes: UnsafeRawBufferPointer) {
        guard !refused else { return }
        if consumed == input.count {
            input.removeAll(keepingCapacity: true)
            consumed = 0
        }
        if parser.isIdle && consumed == input.count { lastProgress = EventLoop.now() }
        input.append(contentsOf: bytes)
        if !busy { process() }
        // A client pipelining far ahead of its answers waits in the kernel, not in our memory.
        if busy && input.count - consumed > Self.maxBufferedAhead { connection.pauseReading() }
    }

    /// The start of the refused request's target (`POST /invoke?...` gives `/invoke?...`).
    private func rejectedTarget() -> String? {
        guard let start = requestStart, start < input.count else { return nil }
        let line = input[start..<min(input.count, start + 256)]
        guard let space = line.firstIndex(of: UInt8(ascii: " ")) else { return nil }
        let target = line[(space + 1)...].prefix { $0 != UInt8(ascii: " ") && $0 != UInt8(ascii: "\r") && $0 != UInt8(ascii: "\n") }
        return String(decoding: target, as: UTF8.self)
    }

    /// Bytes of later requests kept while one is being answered.
    private static let maxBufferedAhead = 1 << 20

    private func process() {
        while !busy && !connection.isClosed {
            if parser.isIdle { requestStart = consumed }
            let result = parser.parse(input, consumed: &consumed)
            if consumed > 64 * 1024 && consumed * 2 > input.count {
                input.removeSubrange(0..<consumed)
                if let start = requestStart { requestStart = start >= consumed ? start - consumed : nil }
                consumed = 0
            }
            switch result {
            case .needMoreBytes:
                if closing { connection.closeAfterFlush() } else { connection.resumeReading() }
                return
            case .headComplete(let head):
                if head.expectsContinue { connection.send(HTTPResponse.continueBytes) }
            case .request(let request):
                busy = true
                requestVersion = request.version
                gateway.handle(request, session: self)
            case .error(let error):
                refused = true
                gateway.countRejected(status: error.status.code, target: rejectedTarget())
                send(error.response, keepAlive: false)
                return
            }
        }
    }
}
