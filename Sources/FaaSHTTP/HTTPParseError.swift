/// Why a request could not be parsed, with the status to answer it with.
///
/// A value, not a thrown error: the parser hands it back as `.error(_)` so the connection can write
/// `response` and close. After an error the parser is stuck in it (framing is lost).
public struct HTTPParseError: Error, Hashable, Sendable, CustomStringConvertible {
    /// 400, 413, 414, 431, 501 or 505.
    public var status: HTTPStatus
    /// A short, client-safe explanation (no request bytes are echoed).
    public var message: String

    public init(status: HTTPStatus, message: String) {
        self.status = status
        self.message = message
    }

    public var description: String { "\(status.code) \(message)" }

    /// A ready-to-serialize JSON error response (`{"ok":false,"error":...}`, the gateway's error
    /// shape); send it with `keepAlive: false`.
    public var response: HTTPResponse {
        HTTPResponse.jsonError(status: status, message: message)
    }

    static func badRequest(_ message: String) -> HTTPParseError {
        HTTPParseError(status: .badRequest, message: message)
    }
}
