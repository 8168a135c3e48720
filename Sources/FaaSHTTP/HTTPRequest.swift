/// A complete HTTP/1.x request: head, decoded body and (for chunked bodies) trailer fields.
///
/// The accessors forward to `head` so handlers can write `request.method` / `request.queryValue("fn")`
/// without caring whether they were given the head early.
public struct HTTPRequest: Equatable, Sendable {
    public var head: HTTPRequestHead
    /// The body with any transfer coding removed (empty when the request has none).
    public var body: [UInt8]
    /// Trailer fields of a chunked body, kept apart from `headers` (never merged, RFC 9110 §6.5).
    public var trailers: HTTPHeaders

    public init(head: HTTPRequestHead, body: [UInt8] = [], trailers: HTTPHeaders = [:]) {
        self.head = head
        self.body = body
        self.trailers = trailers
    }

    public var method: HTTPMethod {
        get { head.method }
        set { head.method = newValue }
    }

    /// The request-target as sent.
    public var target: String {
        get { head.target }
        set { head.target = newValue }
    }

    /// The path part of the target, not percent-decoded.
    public var path: String {
        get { head.path }
        set { head.path = newValue }
    }

    /// The query decoded as form data (`+` is a space), in order.
    public var queryItems: [HTTPQueryItem] {
        get { head.queryItems }
        set { head.queryItems = newValue }
    }

    public var version: HTTPVersion {
        get { head.version }
        set { head.version = newValue }
    }

    public var headers: HTTPHeaders {
        get { head.headers }
        set { head.headers = newValue }
    }

    /// Whether the connection stays open after the response (see `HTTPRequestHead.keepAlive`).
    public var keepAlive: Bool { head.keepAlive }

    /// The decoded value of the first query item named `name`, if any.
    public func queryValue(_ name: String) -> String? {
        head.queryValue(name)
    }
}
