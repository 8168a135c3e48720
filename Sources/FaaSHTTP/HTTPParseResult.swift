/// What one call to `HTTPRequestParser.parse` produced.
///
/// "Need more bytes" is an ordinary outcome, not an error: the caller reads again and calls back.
public enum HTTPParseResult: Equatable, Sendable {
    /// The unconsumed input holds no complete step; read more and call again.
    case needMoreBytes
    /// A head was parsed and a body follows (Content-Length > 0 or chunked). Reported once per
    /// such request, before its body is read, so the connection can send `100 Continue`, or refuse
    /// early; call `parse` again to get the `.request`.
    case headComplete(HTTPRequestHead)
    /// A complete request, in arrival order.
    case request(HTTPRequest)
    /// The input is not acceptable HTTP/1.x: answer `error.response` and close the connection.
    case error(HTTPParseError)
}
