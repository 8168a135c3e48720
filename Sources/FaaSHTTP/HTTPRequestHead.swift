/// The request line and header fields of a request, parsed and validated.
///
/// Delivered on its own (`.headComplete`) before a body is read, so the gateway can route, refuse or
/// send `100 Continue` without buffering the body; it is also part of the final `HTTPRequest`.
public struct HTTPRequestHead: Equatable, Sendable {
    public var method: HTTPMethod
    /// The request-target exactly as sent (`/invoke?fn=a%20b`).
    public var target: String
    /// The path part of the target, not percent-decoded (so `%2F` stays distinguishable from `/`);
    /// `/` for an absolute-form target without a path, `*` for `OPTIONS *`.
    public var path: String
    /// The raw query after `?`, or nil when the target has no `?`.
    public var query: String?
    /// The query decoded as form data (`+` is a space), in order.
    public var queryItems: [HTTPQueryItem]
    public var version: HTTPVersion
    public var headers: HTTPHeaders

    /// Builds a head from a request-target, splitting and decoding it exactly as the parser does;
    /// throws the 400 the parser would give for an invalid target or query.
    public init(
        method: HTTPMethod, target: String, version: HTTPVersion = .http1_1, headers: HTTPHeaders = [:]
    ) throws(HTTPParseError) {
        var copy = target
        let result = copy.withUTF8 { bytes -> Result<TargetParts, HTTPParseError> in
            do throws(HTTPParseError) {
                return .success(try HTTPRequestHead.splitTarget(bytes, method: method))
            } catch {
                return .failure(error)
            }
        }
        let parts = try result.get()
        self.init(
            method: method, target: target, path: parts.path, query: parts.query, queryItems: parts.queryItems,
            version: version, headers: headers)
    }

    init(
        method: HTTPMethod, target: String, path: String, query: String?, queryItems: [HTTPQueryItem],
        version: HTTPVersion, headers: HTTPHeaders
    ) {
        self.method = method
        self.target = target
        self.path = path
        self.query = query
        self.queryItems = queryItems
        self.version = version
        self.headers = headers
    }

    /// Whether the connection stays open after the response: `Connection: close` always closes;
    /// otherwise HTTP/1.1 keeps alive and HTTP/1.0 only with `Connection: keep-alive`.
    public var keepAlive: Bool {
        if headers.containsToken("close", inField: "connection") { return false }
        if version.major == 1 && version.minor >= 1 { return true }
        return headers.containsToken("keep-alive", inField: "connection")
    }

    /// Whether the client waits for `100 Continue` before sending the body (HTTP/1.1 only; RFC 9110
    /// §10.1.1 says to ignore it from HTTP/1.0 clients).
    public var expectsContinue: Bool {
        version == .http1_1 && headers.containsToken("100-continue", inField: "expect")
    }

    /// The body length announced by `Content-Length`, if present and valid.
    public var contentLength: Int? {
        guard let value = headers.first(name: "content-length") else { return nil }
        var copy = value
        return copy.withUTF8 { bytes -> Int? in
            guard case .length(let n) = HTTPRequestHead.parseContentLength(bytes, previous: nil) else { return nil }
            return n
        }
    }

    /// Whether the body uses chunked transfer coding.
    public var isChunked: Bool {
        headers.containsToken("chunked", inField: "transfer-encoding")
    }

    /// The decoded value of the first query item named `name`, if any (`head.queryValue("fn")`).
    public func queryValue(_ name: String) -> String? {
        queryItems.first { $0.name == name }?.value
    }

    // MARK: - Shared parsing helpers (used by the parser on its hot path)

    struct TargetParts {
        var path: String
        var query: String?
        var queryItems: [HTTPQueryItem]
    }

    /// Validates a request-target and splits it into path, raw query and decoded query items.
    static func splitTarget(_ target: UnsafeBufferPointer<UInt8>, method: HTTPMethod) throws(HTTPParseError)
        -> TargetParts
    {
        guard !target.isEmpty else { throw .badRequest("empty request target") }
        for b in target where !HTTPSyntax.isTargetByte(b) {
            throw .badRequest("invalid character in request target")
        }
        if target.count == 1 && target[0] == UInt8(ascii: "*") {
            guard method == .OPTIONS else { throw .badRequest("asterisk target is only valid for OPTIONS") }
            return TargetParts(path: "*", query: nil, queryItems: [])
        }
        var pathStart = 0
        if target[0] != HTTPSyntax.slash {
            // absolute-form (RFC 9112 §3.2.2): servers must accept it; keep only path and query.
            guard let afterScheme = absoluteFormPrefixLength(target) else {
                throw .badRequest("request target must start with '/'")
            }
            pathStart = afterScheme
            while pathStart < target.count && target[pathStart] != HTTPSyntax.slash
                && target[pathStart] != HTTPSyntax.question
            {
                pathStart += 1
            }
        }
        var queryStart = pathStart
        while queryStart < target.count && target[queryStart] != HTTPSyntax.question { queryStart += 1 }
        var path = String(decoding: UnsafeBufferPointer(rebasing: target[pathStart..<queryStart]), as: UTF8.self)
        if path.isEmpty { path = "/" }
        guard queryStart < target.count else {
            return TargetParts(path: path, query: nil, queryItems: [])
        }
        let queryBytes = UnsafeBufferPointer(rebasing: target[(queryStart + 1)...])
        let raw: [QueryString.Item]
        do {
            raw = try QueryString.parseItems(queryBytes)
        } catch {
            throw .badRequest("invalid percent-encoding in query")
        }
        var items: [HTTPQueryItem] = []
        items.reserveCapacity(raw.count)
        for item in raw {
            guard let name = String(validating: item.name, as: UTF8.self),
                let value = String(validating: item.value, as: UTF8.self)
            else {
                throw .badRequest("query is not valid UTF-8")
            }
            items.append(HTTPQueryItem(name: name, value: value))
        }
        return TargetParts(
            path: path, query: String(decoding: queryBytes, as: UTF8.self), queryItems: items)
    }

    /// Length of `http://authority` / `https://authority`'s scheme part (`http://`), or nil.
    private static func absoluteFormPrefixLength(_ target: UnsafeBufferPointer<UInt8>) -> Int? {
        for scheme: StaticString in ["http://", "https://"] {
            let n = scheme.utf8CodeUnitCount
            if target.count > n && HTTPSyntax.equalsLowercased(UnsafeBufferPointer(rebasing: target[0..<n]), scheme) {
                return n
            }
        }
        return nil
    }

    enum ContentLengthParse: Equatable {
        case length(Int)
        /// Larger than any limit we could accept (more than 18 digits).
        case tooLarge
        case invalid
        case conflicting
    }

    /// Parses one `Content-Length` field value, which may be a list of identical values
    /// (`5, 5`, RFC 9110 §8.6), against the value seen in earlier fields.
    static func parseContentLength(_ value: UnsafeBufferPointer<UInt8>, previous: ContentLengthParse?)
        -> ContentLengthParse
    {
        var current = previous
        var sawElement = false
        var i = 0
        while i <= value.count {
            var end = i
            while end < value.count && value[end] != HTTPSyntax.comma { end += 1 }
            var lo = i
            var hi = end
            while lo < hi && HTTPSyntax.isOWS(value[lo]) { lo += 1 }
            while hi > lo && HTTPSyntax.isOWS(value[hi - 1]) { hi -= 1 }
            guard hi > lo else { return .invalid }  // empty element: `Content-Length: ` or `5,,5`
            var n = 0
            var significant = 0
            for j in lo..<hi {
                let b = value[j]
                guard b >= UInt8(ascii: "0") && b <= UInt8(ascii: "9") else { return .invalid }
                if significant > 0 || b != UInt8(ascii: "0") { significant += 1 }
                if significant <= 18 { n = n &* 10 &+ Int(b &- UInt8(ascii: "0")) }
            }
            let parsed: ContentLengthParse = significant > 18 ? .tooLarge : .length(n)
            if let current, current != parsed { return .conflicting }
            current = parsed
            sawElement = true
            i = end + 1
        }
        guard sawElement, let current else { return .invalid }
        return current
    }
}
