import FaaSSystem
import FaaSProtocol
import FaaSHTTP
import FaaSStore
import FaaSSandbox
import FaaSWasm

/// One client connection: feeds bytes to the parser, answers `100 Continue`, hands complete
/// requests to the gateway one at a time (so responses leave in request order even when the
/// client pipelines), enforces the header, read and idle time limits, and reads a body only once
/// the gateway's body memory is reserved for it (`Admission`).
final class HTTPSession {
    let connection: Connection
    /// The client's IP address as the socket sees it (a proxy's, behind one).
    let peerAddress: String
    /// Given from the slots reserved for `/health`: any other request is refused.
    let healthOnly: Bool
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
    /// A request head is being received (the header timeout runs).
    private var inHead = false
    /// Body bytes reserved for the request being read or answered (released with its answer).
    private(set) var bodyReserved = 0
    /// The head is parsed and its body waits for memory: the connection is not read meanwhile.
    private(set) var waitingForBody: (bytes: Int, expectsContinue: Bool)?
    /// The current request counts against its client's requests in flight.
    private var countedInFlight = false

    init(connection: Connection, gateway: Gateway, limits: HTTPParserLimits, peerAddress: String, healthOnly: Bool = false) {
        self.connection = connection
        self.peerAddress = peerAddress
        self.healthOnly = healthOnly
        self.gateway = gateway
        self.parser = HTTPRequestParser(limits: limits)
        connection.onData = { [unowned self] bytes in self.received(bytes) }
        // A client that half-closes after its request still gets the answer written; work that
        // only it wanted (a compile) is given up (`onClientGone`).
        connection.onEndOfInput = { [unowned self] in
            // A stream ends only when its client leaves: a client that stops sending has left.
            if self.streaming != nil { return self.connection.close(.local("client left the stream")) }
            guard self.waitingForBody == nil else { return self.connection.close(.local("client left while its body waited")) }
            self.closing = true
            if !self.busy { self.connection.closeAfterFlush() } else { self.clientLeft() }
        }
    }

    var isClosed: Bool { connection.isClosed }

    /// Called once if the client leaves while its request is in flight (its connection closes,
    /// or its input ends: a client that half-closes after a deploy gives it up, as nginx treats
    /// an aborted client); cleared by the answer. Costly work for it (a compile) stops.
    var onClientGone: (() -> Void)?

    /// The client left (see `onClientGone`).
    func clientLeft() {
        let gone = onClientGone
        onClientGone = nil
        gone?()
    }

    /// Counts the request about to be handled against its client; false: the client has too
    /// many in flight.
    func admitRequest() -> Bool {
        guard !countedInFlight else { return true }
        countedInFlight = gateway.admission.startRequest(peerAddress)
        return countedInFlight
    }

    /// Gives back what the request held (its body memory, its place in flight); on the answer
    /// and on close.
    func releaseAdmission() {
        if countedInFlight {
            countedInFlight = false
            gateway.admission.finishRequest(peerAddress)
        }
        if bodyReserved > 0 {
            gateway.admission.releaseBody(bodyReserved, for: peerAddress)
            bodyReserved = 0
            gateway.bodyMemoryFreed()
        }
    }

    /// Tries again to reserve the waiting body's memory; true when it may now be read.
    func retryBodyReservation() -> Bool {
        guard let waiting = waitingForBody, !connection.isClosed else { return false }
        guard gateway.admission.reserveBody(waiting.bytes, for: peerAddress) else { return false }
        waitingForBody = nil
        bodyReserved = waiting.bytes
        lastProgress = EventLoop.now()
        if waiting.expectsContinue { connection.send(HTTPResponse.continueBytes) }
        connection.resumeReading()
        process()
        return true
    }
    var isIdle: Bool { !busy && parser.isIdle && consumed == input.count }

    /// Called by the gateway's sweep: closes stalled or idle connections. A body waiting for
    /// memory is the gateway's doing, not the client's: its clock starts when it may be read.
    func checkTimeouts(now: Double, headerTimeout: Double, readTimeout: Double, idleTimeout: Double) {
        guard !busy, !connection.isClosed, waitingForBody == nil else { return }
        if isIdle {
            if now - lastProgress > idleTimeout { connection.close(.local("idle timeout")) }
        } else if now - lastProgress > (inHead ? min(headerTimeout, readTimeout) : readTimeout) {
            send(HTTPResponse.jsonError(status: .requestTimeout, message: "request not received in time"), keepAlive: false)
        }
    }

    /// Queues the response to the current request and moves on to the next one.
    func respond(_ response: HTTPResponse, keepAlive: Bool, omitBody: Bool = false) {
        guard busy else { return }
        busy = false
        onClientGone = nil
        releaseAdmission()
        send(response, keepAlive: keepAlive && !closing, omitBody: omitBody)
        if !connection.isClosed {
            // Parse what the client pipelined after this request, on the next turn.
            gateway.loop.execute { [self] in
                if !self.connection.isClosed && !self.busy { self.process() }
            }
        }
    }

    /// The current request is answered by a stream (`follow=1`): chunked for HTTP/1.1, until
    /// the close for HTTP/1.0. The session stays busy (nothing pipelined is read) and holds no
    /// admission meanwhile: a long-lived follower is not a request in flight.
    private(set) var streaming: StreamFraming?

    enum StreamFraming { case chunked, untilClose }

    func startStream(_ head: HTTPResponse) {
        guard busy, streaming == nil, !connection.isClosed else { return }
        generation &+= 1
        releaseAdmission()
        let framing: StreamFraming = requestVersion == .http1_0 ? .untilClose : .chunked
        streaming = framing
        // A follower that stops reading is cut off sooner than an ordinary client.
        connection.maxPendingOutput = min(connection.maxPendingOutput, Self.maxStreamBacklog)
        lastProgress = EventLoop.now()
        connection.send(head.serializeStreamHead(chunked: framing == .chunked))
    }

    func sendChunk(_ bytes: [UInt8]) {
        guard let stream = streaming, !bytes.isEmpty, !connection.isClosed else { return }
        connection.send(stream == .chunked ? HTTPResponse.chunk(bytes) : bytes)
    }

    /// Ends the stream and the connection.
    func endStream() {
        guard let stream = streaming else { return }
        streaming = nil
        busy = false
        if stream == .chunked { connection.send(HTTPResponse.lastChunk) }
        connection.closeAfterFlush()
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
        if parser.isIdle && consumed == input.count {
            lastProgress = EventLoop.now()
            inHead = true
        }
        input.append(contentsOf: bytes)
        if !busy && waitingForBody == nil { process() }
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

    /// Bytes a stream's client may leave unread before it is cut off.
    static let maxStreamBacklog = 8 << 20

    /// Bytes of later requests kept while one is being answered.
    private static let maxBufferedAhead = 1 << 20

    private func process() {
        while !busy && !connection.isClosed && waitingForBody == nil {
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
                inHead = false
                // The body is read only once its memory is reserved; until then the client
                // (and the kernel) keep it. No 100 Continue before that either.
                let bytes = head.contentLength ?? gateway.maxBody
                if gateway.admission.reserveBody(bytes, for: peerAddress) {
                    bodyReserved = bytes
                    if head.expectsContinue { connection.send(HTTPResponse.continueBytes) }
                } else {
                    waitingForBody = (bytes, head.expectsContinue)
                    connection.pauseReading()
                    gateway.waitForBodyMemory(self)
                    return
                }
            case .request(let request):
                inHead = false
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
