/// Incremental HTTP/1.0 and HTTP/1.1 request parser.
///
/// A value type with no I/O: the connection owns the bytes, appends what it reads, and calls
/// `parse` until it returns `.needMoreBytes`. Requests come out in order however the bytes were
/// split (several pipelined requests in one read, or one request across many reads), and the result
/// is the same for every split. Work is linear in the input: a partial head or line is never
/// rescanned from its start.
///
/// Framing follows RFC 9112 strictly where leniency enables request smuggling: obsolete line
/// folding, `Content-Length` together with `Transfer-Encoding`, conflicting lengths and bare CRs
/// are rejected. Bare LF line endings are tolerated.
///
/// Driving it from a connection (one parser per connection):
///
///     buffer.append(contentsOf: bytesJustRead)
///     loop: while true {
///         switch parser.parse(buffer, consumed: &consumed) {
///         case .needMoreBytes: break loop
///         case .headComplete(let head): if head.expectsContinue { write(HTTPResponse.continueBytes) }
///         case .request(let request): respond(to: request)  // keep-alive: request.keepAlive
///         case .error(let error): write(error.response.serialize(keepAlive: false)); close(); return
///         }
///     }
///     buffer.removeFirst(consumed); consumed = 0  // compact; unconsumed bytes stay first
public struct HTTPRequestParser: Sendable {
    /// The limits enforced on every request.
    public let limits: HTTPParserLimits
    /// Whether HTTP/1.1 requests must carry exactly one `Host` field (RFC 9112 §3.2 says 400).
    public let requireHost: Bool

    private enum State: Sendable {
        case head
        case fixedBody(remaining: Int)
        case chunkSize
        case chunkData(remaining: Int)
        case chunkDataEnd
        case trailers
        case failed(HTTPParseError)
    }

    private enum Framing {
        case none
        case length(Int)
        case chunked
    }

    /// How far the current head has been scanned; all offsets are relative to the first unconsumed
    /// byte, so the caller may compact its buffer between calls.
    private struct HeadScan {
        var scanned = 0
        var lineStart = 0
        var firstSP = -1
        var secondSP = -1
        var firstLineEnd = -1
    }

    private enum LineSearch {
        case needMore
        case tooLong
        /// `contentEnd` excludes the line terminator; `next` is the first byte after it.
        case line(contentEnd: Int, next: Int)
    }

    /// Longest accepted method token; bounds where the request-target can start.
    static let maxMethodLength = 64

    private var state: State = .head
    private var scan = HeadScan()
    private var pendingHead: HTTPRequestHead?
    private var body: [UInt8] = []
    private var trailers = HTTPHeaders()
    private var trailerBytes = 0
    private var lineScanned = 0

    public init(limits: HTTPParserLimits = HTTPParserLimits(), requireHost: Bool = true) {
        self.limits = limits
        self.requireHost = requireHost
    }

    /// True between requests with no partial request seen: a connection closed now loses nothing,
    /// so the gateway can close idle keep-alive connections silently (and answer 408 otherwise).
    public var isIdle: Bool {
        if case .head = state { return scan.scanned == 0 }
        return false
    }

    /// Parses from `buffer[consumed...]`, advancing `consumed` past what it used.
    ///
    /// Call repeatedly until `.needMoreBytes`. Bytes not consumed must be passed again, unchanged and
    /// first, on the next call (after compacting or appending as you like). After `.error` every
    /// call returns the same error: write its response and close. `consumed` must lie within
    /// `buffer` (checked with a precondition: that is a caller bug, not bad input).
    public mutating func parse(_ buffer: [UInt8], consumed: inout Int) -> HTTPParseResult {
        buffer.withUnsafeBufferPointer { parse($0, consumed: &consumed) }
    }

    /// Parses from `buffer[consumed...]`, advancing `consumed` past what it used (see the `[UInt8]`
    /// overload); for callers reading straight into their own memory.
    public mutating func parse(_ buffer: UnsafeBufferPointer<UInt8>, consumed: inout Int) -> HTTPParseResult {
        precondition(consumed >= 0 && consumed <= buffer.count, "consumed index outside the buffer")
        switch state {
        case .failed(let error):
            return .error(error)
        case .head:
            return parseHead(buffer, &consumed)
        case .fixedBody(let remaining):
            return readFixedBody(buffer, &consumed, remaining: remaining)
        case .chunkSize, .chunkData, .chunkDataEnd, .trailers:
            return readChunked(buffer, &consumed)
        }
    }

    // MARK: - Head

    private mutating func parseHead(_ buf: UnsafeBufferPointer<UInt8>, _ consumed: inout Int) -> HTTPParseResult {
        let end = buf.count
        if scan.scanned == 0 {
            // RFC 9112 §2.2: ignore empty lines before the request line (stray CRLF after a body).
            while consumed < end {
                let b = buf[consumed]
                if b == HTTPSyntax.lf {
                    consumed += 1
                } else if b == HTTPSyntax.cr {
                    guard consumed + 1 < end else { return .needMoreBytes }
                    guard buf[consumed + 1] == HTTPSyntax.lf else { break }
                    consumed += 2
                } else {
                    break
                }
            }
        }
        let base = consumed
        var i = base + scan.scanned
        if scan.firstLineEnd < 0 {
            // Request line: remember the two separating spaces for the early 414 check.
            while i < end {
                let b = buf[i]
                if b == HTTPSyntax.lf {
                    scan.firstLineEnd = i - base
                    scan.lineStart = i - base + 1
                    i += 1
                    break
                }
                if b == HTTPSyntax.sp {
                    if scan.firstSP < 0 {
                        scan.firstSP = i - base
                    } else if scan.secondSP < 0 {
                        scan.secondSP = i - base
                    }
                }
                i += 1
            }
        }
        if scan.firstLineEnd >= 0 {
            // Field lines: the head ends at the first empty line ("\r\n" or "\n").
            while i < end {
                if buf[i] == HTTPSyntax.lf {
                    let rel = i - base
                    let lineLength = rel - scan.lineStart
                    if lineLength == 0 || (lineLength == 1 && buf[base + scan.lineStart] == HTTPSyntax.cr) {
                        return completeHead(buf, base: base, length: rel + 1, &consumed)
                    }
                    scan.lineStart = rel + 1
                }
                i += 1
            }
        }
        scan.scanned = end - base
        let (methodLength, targetLength) = requestLineLengths(buf, base: base, available: end - base)
        if let error = requestLineSizeError(methodLength: methodLength, targetLength: targetLength) {
            return fail(error)
        }
        if scan.scanned >= limits.effectiveMaxHeadSize {
            return fail(HTTPParseError(status: .requestHeaderFieldsTooLarge, message: "request head too large"))
        }
        return .needMoreBytes
    }

    /// Method and target lengths from the scan state, the same way for a partial and a complete
    /// request line, so size errors do not depend on how the bytes were split.
    private func requestLineLengths(_ buf: UnsafeBufferPointer<UInt8>, base: Int, available: Int) -> (Int, Int) {
        var content: Int
        if scan.firstLineEnd >= 0 {
            content = scan.firstLineEnd
        } else {
            content = available
        }
        if content > 0 && buf[base + content - 1] == HTTPSyntax.cr { content -= 1 }
        let method = scan.firstSP >= 0 ? scan.firstSP : content
        let target: Int
        if scan.firstSP < 0 {
            target = 0
        } else if scan.secondSP >= 0 {
            target = scan.secondSP - scan.firstSP - 1
        } else {
            target = content - scan.firstSP - 1
        }
        return (method, target)
    }

    private func requestLineSizeError(methodLength: Int, targetLength: Int) -> HTTPParseError? {
        if methodLength > Self.maxMethodLength {
            return .badRequest("request method too long")
        }
        if targetLength > limits.effectiveMaxURILength {
            return HTTPParseError(status: .uriTooLong, message: "request target too long")
        }
        return nil
    }

    private mutating func completeHead(
        _ buf: UnsafeBufferPointer<UInt8>, base: Int, length: Int, _ consumed: inout Int
    ) -> HTTPParseResult {
        let (methodLength, targetLength) = requestLineLengths(buf, base: base, available: length)
        if let error = requestLineSizeError(methodLength: methodLength, targetLength: targetLength) {
            return fail(error)
        }
        if length > limits.effectiveMaxHeadSize {
            return fail(HTTPParseError(status: .requestHeaderFieldsTooLarge, message: "request head too large"))
        }
        let head: HTTPRequestHead
        let framing: Framing
        do {
            (head, framing) = try buildHead(UnsafeBufferPointer(rebasing: buf[base..<(base + length)]))
        } catch {
            return fail(error)
        }
        consumed = base + length
        scan = HeadScan()
        switch framing {
        case .none:
            return .request(HTTPRequest(head: head))
        case .length(let n):
            pendingHead = head
            state = .fixedBody(remaining: n)
            return .headComplete(head)
        case .chunked:
            pendingHead = head
            lineScanned = 0
            state = .chunkSize
            return .headComplete(head)
        }
    }

    private func buildHead(_ head: UnsafeBufferPointer<UInt8>) throws(HTTPParseError) -> (HTTPRequestHead, Framing) {
        // Request line: METHOD SP request-target SP HTTP-version
        let lineEnd = scan.firstLineEnd
        var contentEnd = lineEnd
        if contentEnd > 0 && head[contentEnd - 1] == HTTPSyntax.cr { contentEnd -= 1 }
        let firstSP = scan.firstSP
        let secondSP = scan.secondSP
        guard firstSP > 0, secondSP > firstSP + 1, secondSP < contentEnd else {
            throw .badRequest("malformed request line")
        }
        let methodBytes = UnsafeBufferPointer(rebasing: head[0..<firstSP])
        for b in methodBytes where !HTTPSyntax.isTokenByte(b) {
            throw .badRequest("invalid request method")
        }
        let version = try Self.parseVersion(UnsafeBufferPointer(rebasing: head[(secondSP + 1)..<contentEnd]))
        let method = HTTPMethod(rawValue: String(decoding: methodBytes, as: UTF8.self))
        let targetBytes = UnsafeBufferPointer(rebasing: head[(firstSP + 1)..<secondSP])
        let parts = try HTTPRequestHead.splitTarget(targetBytes, method: method)

        // Field lines.
        var headers = HTTPHeaders()
        headers.reserveCapacity(8)
        var contentLength: HTTPRequestHead.ContentLengthParse?
        var sawTransferEncoding = false
        var codings = 0
        var chunkedCodings = 0
        var unknownCoding = false
        var hostCount = 0
        var pos = lineEnd + 1
        while true {
            var lf = pos
            while head[lf] != HTTPSyntax.lf { lf += 1 }  // the head ends with LF, so this stops
            var end = lf
            if end > pos && head[end - 1] == HTTPSyntax.cr { end -= 1 }
            if end == pos { break }  // the empty line closing the head
            let line = UnsafeBufferPointer(rebasing: head[pos..<end])
            let (nameRange, valueRange) = try Self.parseFieldLine(line)
            let name = UnsafeBufferPointer(rebasing: line[nameRange])
            let value = UnsafeBufferPointer(rebasing: line[valueRange])
            switch name.count {
            case 4 where HTTPSyntax.equalsLowercased(name, "host"):
                hostCount += 1
            case 14 where HTTPSyntax.equalsLowercased(name, "content-length"):
                let parsed = HTTPRequestHead.parseContentLength(value, previous: contentLength)
                switch parsed {
                case .invalid: throw .badRequest("invalid Content-Length")
                case .conflicting: throw .badRequest("conflicting Content-Length values")
                case .length, .tooLarge: contentLength = parsed
                }
            case 17 where HTTPSyntax.equalsLowercased(name, "transfer-encoding"):
                sawTransferEncoding = true
                HTTPSyntax.forEachListElement(value) { coding in
                    codings += 1
                    if HTTPSyntax.equalsLowercased(coding, "chunked") {
                        chunkedCodings += 1
                    } else {
                        unknownCoding = true
                    }
                }
            default:
                break
            }
            headers.add(name: String(decoding: name, as: UTF8.self), value: String(decoding: value, as: UTF8.self))
            pos = lf + 1
        }

        // Body framing (RFC 9112 §6.1-6.3), strict against smuggling.
        var framing = Framing.none
        if sawTransferEncoding {
            if contentLength != nil { throw .badRequest("both Content-Length and Transfer-Encoding") }
            if version == .http1_0 { throw .badRequest("Transfer-Encoding is not allowed in HTTP/1.0") }
            if codings == 0 { throw .badRequest("empty Transfer-Encoding") }
            if unknownCoding {
                throw HTTPParseError(status: .notImplemented, message: "unsupported Transfer-Encoding")
            }
            if chunkedCodings > 1 { throw .badRequest("chunked applied more than once") }
            framing = .chunked
        }
        if hostCount > 1 { throw .badRequest("multiple Host headers") }
        if hostCount == 0 && requireHost && version == .http1_1 { throw .badRequest("missing Host header") }
        switch contentLength {
        case .tooLarge:
            throw HTTPParseError(status: .payloadTooLarge, message: "request body too large")
        case .length(let n) where n > limits.maxBodySize:
            throw HTTPParseError(status: .payloadTooLarge, message: "request body too large")
        case .length(let n) where n > 0:
            framing = .length(n)
        default:
            break
        }
        let requestHead = HTTPRequestHead(
            method: method,
            target: String(decoding: targetBytes, as: UTF8.self),
            path: parts.path,
            query: parts.query,
            queryItems: parts.queryItems,
            version: version,
            headers: headers)
        return (requestHead, framing)
    }

    /// `HTTP/1.0` or `HTTP/1.1`; other `HTTP/d.d` is 505, anything else 400.
    private static func parseVersion(_ bytes: UnsafeBufferPointer<UInt8>) throws(HTTPParseError) -> HTTPVersion {
        guard bytes.count == 8, HTTPSyntax.equalsPrefix(bytes, "HTTP/"),
            bytes[6] == UInt8(ascii: "."),
            bytes[5] >= UInt8(ascii: "0"), bytes[5] <= UInt8(ascii: "9"),
            bytes[7] >= UInt8(ascii: "0"), bytes[7] <= UInt8(ascii: "9")
        else {
            throw .badRequest("malformed HTTP version")
        }
        let major = Int(bytes[5] &- UInt8(ascii: "0"))
        let minor = Int(bytes[7] &- UInt8(ascii: "0"))
        guard major == 1, minor <= 1 else {
            throw HTTPParseError(status: .httpVersionNotSupported, message: "HTTP version not supported")
        }
        return minor == 0 ? .http1_0 : .http1_1
    }

    /// Splits `name: value` into the name and the OWS-trimmed value, validating both.
    private static func parseFieldLine(
        _ line: UnsafeBufferPointer<UInt8>
    ) throws(HTTPParseError) -> (Range<Int>, Range<Int>) {
        if HTTPSyntax.isOWS(line[0]) {
            throw .badRequest("obsolete header line folding")
        }
        var colon = 0
        while colon < line.count && line[colon] != HTTPSyntax.colon {
            guard HTTPSyntax.isTokenByte(line[colon]) else { throw .badRequest("invalid header name") }
            colon += 1
        }
        guard colon < line.count else { throw .badRequest("header line without colon") }
        guard colon > 0 else { throw .badRequest("empty header name") }
        var lo = colon + 1
        var hi = line.count
        while lo < hi && HTTPSyntax.isOWS(line[lo]) { lo += 1 }
        while hi > lo && HTTPSyntax.isOWS(line[hi - 1]) { hi -= 1 }
        for j in lo..<hi where !HTTPSyntax.isFieldValueByte(line[j]) {
            throw .badRequest("invalid character in header value")
        }
        return (0..<colon, lo..<hi)
    }

    // MARK: - Body

    private mutating func readFixedBody(
        _ buf: UnsafeBufferPointer<UInt8>, _ consumed: inout Int, remaining: Int
    ) -> HTTPParseResult {
        let left = copyBody(buf, &consumed, remaining: remaining)
        if left == 0 { return finishRequest() }
        state = .fixedBody(remaining: left)
        return .needMoreBytes
    }

    /// Copies up to `remaining` body bytes and returns how many are still missing.
    private mutating func copyBody(_ buf: UnsafeBufferPointer<UInt8>, _ consumed: inout Int, remaining: Int) -> Int {
        let take = min(buf.count - consumed, remaining)
        guard take > 0 else { return remaining }
        let slice = UnsafeBufferPointer(rebasing: buf[consumed..<(consumed + take)])
        if body.isEmpty && take == remaining {
            body = Array(slice)  // whole (chunk of the) body at once: one exact allocation
        } else {
            if body.isEmpty { body.reserveCapacity(remaining) }
            body.append(contentsOf: slice)
        }
        consumed += take
        return remaining - take
    }

    private mutating func readChunked(_ buf: UnsafeBufferPointer<UInt8>, _ consumed: inout Int) -> HTTPParseResult {
        while true {
            switch state {
            case .chunkSize:
                switch findLine(buf, from: consumed, limit: limits.maxChunkLineLength) {
                case .needMore:
                    return .needMoreBytes
                case .tooLong:
                    return fail(.badRequest("chunk size line too long"))
                case .line(let contentEnd, let next):
                    let size: Int
                    do {
                        size = try parseChunkSize(UnsafeBufferPointer(rebasing: buf[consumed..<contentEnd]))
                    } catch {
                        return fail(error)
                    }
                    consumed = next
                    state = size == 0 ? .trailers : .chunkData(remaining: size)
                }
            case .chunkData(let remaining):
                let left = copyBody(buf, &consumed, remaining: remaining)
                if left > 0 {
                    state = .chunkData(remaining: left)
                    return .needMoreBytes
                }
                state = .chunkDataEnd
            case .chunkDataEnd:
                guard consumed < buf.count else { return .needMoreBytes }
                if buf[consumed] == HTTPSyntax.lf {
                    consumed += 1
                } else if buf[consumed] == HTTPSyntax.cr {
                    guard consumed + 1 < buf.count else { return .needMoreBytes }
                    guard buf[consumed + 1] == HTTPSyntax.lf else {
                        return fail(.badRequest("missing CRLF after chunk data"))
                    }
                    consumed += 2
                } else {
                    return fail(.badRequest("missing CRLF after chunk data"))
                }
                state = .chunkSize
            case .trailers:
                let budget = limits.maxTrailerSize - trailerBytes - 1
                switch findLine(buf, from: consumed, limit: budget) {
                case .needMore:
                    return .needMoreBytes
                case .tooLong:
                    return fail(
                        HTTPParseError(status: .requestHeaderFieldsTooLarge, message: "trailer section too large"))
                case .line(let contentEnd, let next):
                    if contentEnd == consumed {
                        consumed = next
                        return finishRequest()
                    }
                    let line = UnsafeBufferPointer(rebasing: buf[consumed..<contentEnd])
                    do {
                        let (nameRange, valueRange) = try Self.parseFieldLine(line)
                        trailers.add(
                            name: String(decoding: UnsafeBufferPointer(rebasing: line[nameRange]), as: UTF8.self),
                            value: String(decoding: UnsafeBufferPointer(rebasing: line[valueRange]), as: UTF8.self))
                    } catch {
                        return fail(error)
                    }
                    trailerBytes += next - consumed
                    consumed = next
                }
            case .head, .fixedBody, .failed:
                return fail(HTTPParseError(status: .internalServerError, message: "parser state lost"))
            }
        }
    }

    /// Finds the LF ending the line at `start`, resuming where the last call stopped.
    /// `limit` bounds the bytes before the LF (CR included).
    private mutating func findLine(_ buf: UnsafeBufferPointer<UInt8>, from start: Int, limit: Int) -> LineSearch {
        var i = start + lineScanned
        while i < buf.count {
            if buf[i] == HTTPSyntax.lf {
                lineScanned = 0
                if i - start > limit { return .tooLong }
                let contentEnd = (i > start && buf[i - 1] == HTTPSyntax.cr) ? i - 1 : i
                return .line(contentEnd: contentEnd, next: i + 1)
            }
            i += 1
        }
        lineScanned = buf.count - start
        return lineScanned > limit ? .tooLong : .needMore
    }

    /// `chunk-size [BWS ; chunk-ext]`: hex size, extensions ignored but checked for control bytes.
    private func parseChunkSize(_ line: UnsafeBufferPointer<UInt8>) throws(HTTPParseError) -> Int {
        var i = 0
        var size = 0
        var significant = 0
        while i < line.count, let digit = HTTPSyntax.hexValue(line[i]) {
            if significant > 0 || digit != 0 { significant += 1 }
            if significant <= 15 { size = size << 4 | Int(digit) }
            i += 1
        }
        guard i > 0 else { throw .badRequest("invalid chunk size") }
        while i < line.count && HTTPSyntax.isOWS(line[i]) { i += 1 }
        if i < line.count {
            guard line[i] == HTTPSyntax.semicolon else { throw .badRequest("invalid chunk size") }
            for j in (i + 1)..<line.count where !HTTPSyntax.isFieldValueByte(line[j]) {
                throw .badRequest("invalid chunk extension")
            }
        }
        if significant > 15 || size > limits.maxBodySize - body.count {
            throw HTTPParseError(status: .payloadTooLarge, message: "request body too large")
        }
        return size
    }

    // MARK: - Transitions

    private mutating func finishRequest() -> HTTPParseResult {
        guard let head = pendingHead else {
            return fail(HTTPParseError(status: .internalServerError, message: "parser state lost"))
        }
        let request = HTTPRequest(head: head, body: body, trailers: trailers)
        pendingHead = nil
        body = []
        trailers = HTTPHeaders()
        trailerBytes = 0
        lineScanned = 0
        state = .head
        return .request(request)
    }

    private mutating func fail(_ error: HTTPParseError) -> HTTPParseResult {
        state = .failed(error)
        pendingHead = nil
        body = []
        return .error(error)
    }
}
