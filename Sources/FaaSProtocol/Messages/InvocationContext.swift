import FaaSSystem

/// What a function may learn about the request that invoked it, beyond the payload: carried by
/// `invoke` (gateway -> server) and `job` (server -> worker) as `"ctx":{...}`, kept by the
/// server beside the payload while the load balancer chooses a worker (which never sees it).
///
/// `{"request_id":"...","content_type":"application/json","http":{"method":"GET","path":"/a/b",
///   "query":"x=1","headers":[["accept","*/*"]],"source_ip":"127.0.0.1"}}`
public struct InvocationContext: Sendable, Equatable {
    /// The `X-Request-Id` of the HTTP request (the caller's own, or one the gateway made).
    public var requestID: String
    /// The request's `Content-Type`, if it had one: how a handler's event is parsed.
    public var contentType: String?
    /// Set for the raw route (`/fn/NAME/...`): the request as a function sees it there.
    public var http: HTTPEvent?

    public init(requestID: String, contentType: String? = nil, http: HTTPEvent? = nil) {
        self.requestID = requestID
        self.contentType = contentType
        self.http = http
    }

    /// The HTTP request behind a `/fn/` invocation.
    public struct HTTPEvent: Sendable, Equatable {
        public var method: String
        /// The path below the function's own (`/fn/NAME/a/b` -> `/a/b`; `/` when none).
        public var path: String
        /// The raw query string, without `?`, as sent.
        public var query: String
        /// Names lower-cased, in the order received.
        public var headers: [(name: String, value: String)]
        public var sourceIP: String?

        public init(method: String, path: String, query: String, headers: [(name: String, value: String)], sourceIP: String? = nil) {
            self.method = method
            self.path = path
            self.query = query
            self.headers = headers
            self.sourceIP = sourceIP
        }

        public static func == (a: HTTPEvent, b: HTTPEvent) -> Bool {
            a.method == b.method && a.path == b.path && a.query == b.query && a.sourceIP == b.sourceIP
                && a.headers.count == b.headers.count && zip(a.headers, b.headers).allSatisfy { $0.name == $1.name && $0.value == $1.value }
        }

        /// Appends the request as one JSON object (`"http"` of the context).
        public func appendJSON(to out: inout [UInt8]) {
            out.append(contentsOf: #"{"method":"#.utf8)
            JSONText.appendString(method, to: &out)
            out.append(contentsOf: #","path":"#.utf8)
            JSONText.appendString(path, to: &out)
            out.append(contentsOf: #","query":"#.utf8)
            JSONText.appendString(query, to: &out)
            out.append(contentsOf: #","headers":["#.utf8)
            for (index, header) in headers.enumerated() {
                if index > 0 { out.append(UInt8(ascii: ",")) }
                out.append(UInt8(ascii: "["))
                JSONText.appendString(header.name, to: &out)
                out.append(UInt8(ascii: ","))
                JSONText.appendString(header.value, to: &out)
                out.append(UInt8(ascii: "]"))
            }
            out.append(UInt8(ascii: "]"))
            if let sourceIP {
                out.append(contentsOf: #","source_ip":"#.utf8)
                JSONText.appendString(sourceIP, to: &out)
            }
            out.append(UInt8(ascii: "}"))
        }
    }

    /// Appends the context as one JSON object.
    public func appendJSON(to out: inout [UInt8]) {
        out.append(contentsOf: #"{"request_id":"#.utf8)
        JSONText.appendString(requestID, to: &out)
        if let contentType {
            out.append(contentsOf: #","content_type":"#.utf8)
            JSONText.appendString(contentType, to: &out)
        }
        if let http {
            out.append(contentsOf: #","http":"#.utf8)
            http.appendJSON(to: &out)
        }
        out.append(UInt8(ascii: "}"))
    }

    /// Reads the object `appendJSON` writes.
    public init(json: JSONValue) throws(WireMessage.FieldError) {
        guard case .object = json else { throw .init(reason: "\"ctx\" must be an object") }
        guard let requestID = json["request_id"]?.string else { throw .init(reason: "\"ctx.request_id\" must be a string") }
        self.requestID = requestID
        contentType = try Self.optionalString(json, "content_type")
        guard let http = json["http"], !http.isNull else { return }
        guard let method = http["method"]?.string, let path = http["path"]?.string, let query = http["query"]?.string,
              case .array(let list)? = http["headers"]
        else { throw .init(reason: "\"ctx.http\" needs \"method\", \"path\", \"query\" and \"headers\"") }
        var headers: [(name: String, value: String)] = []
        headers.reserveCapacity(list.count)
        for item in list {
            guard case .array(let pair) = item, pair.count == 2, let name = pair[0].string, let value = pair[1].string else {
                throw .init(reason: "\"ctx.http.headers\" must hold [name, value] pairs of strings")
            }
            headers.append((name, value))
        }
        self.http = HTTPEvent(method: method, path: path, query: query, headers: headers, sourceIP: try Self.optionalString(http, "source_ip"))
    }

    private static func optionalString(_ json: JSONValue, _ key: String) throws(WireMessage.FieldError) -> String? {
        guard let value = json[key], !value.isNull else { return nil }
        guard let text = value.string else { throw .init(reason: "\"ctx.\(key)\" must be a string") }
        return text
    }
}
