import FaaSSystem
import Foundation

/// An HTTP response and its HTTP/1.1 serializer.
///
/// The serializer owns the framing headers: it always writes `Content-Length` from `body` and the
/// `Connection` header from `keepAlive`, dropping caller-set copies, so a handler can never produce
/// a response whose framing disagrees with its body.
public struct HTTPResponse: Equatable, Sendable {
    public var status: HTTPStatus
    /// Extra header fields, written in order. `Content-Length`, `Transfer-Encoding` and `Connection`
    /// are ignored here (the serializer writes them); `Content-Type` defaults to `application/json`.
    public var headers: HTTPHeaders
    public var body: [UInt8]

    public init(status: HTTPStatus = .ok, headers: HTTPHeaders = [:], body: [UInt8] = []) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    /// A response whose body is the UTF-8 of `body`.
    public init(status: HTTPStatus = .ok, headers: HTTPHeaders = [:], body: String) {
        self.init(status: status, headers: headers, body: Array(body.utf8))
    }

    /// A JSON body from a typed value: the one way every JSON answer but the invoke result
    /// (the wire's own result message) is made. Keys sorted (stable output), `/` unescaped.
    public static func json<Body: Encodable>(status: HTTPStatus, _ body: Body) -> HTTPResponse {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        do {
            return HTTPResponse(status: status, body: [UInt8](try encoder.encode(body)))
        } catch {
            // Only a non-finite number can fail to encode; say so rather than send `{}`.
            return HTTPResponse(status: .internalServerError,
                                body: Array(#"{"error":"cannot encode the response","ok":false}"#.utf8))
        }
    }

    /// The gateway's error shape: `{"ok":false,"error":"<message>"}` as `application/json`.
    public static func jsonError(status: HTTPStatus, message: String) -> HTTPResponse {
        json(status: status, ErrorBody(error: message))
    }

    /// `{"ok":false,"error":...}`, plus the compiler's `details` for a failed deploy.
    public struct ErrorBody: Encodable, Sendable {
        public let ok = false
        public var error: String
        public var details: String?

        public init(error: String, details: String? = nil) {
            self.error = error
            self.details = details
        }
    }

    /// The interim response for `Expect: 100-continue`, to write before reading the body.
    public static let continueBytes: [UInt8] = Array("HTTP/1.1 100 Continue\r\n\r\n".utf8)

    /// The response as bytes ready for the socket.
    ///
    /// - Parameters:
    ///   - keepAlive: false adds `Connection: close` (the caller then closes after writing).
    ///   - requestVersion: an HTTP/1.0 client kept alive is told so with `Connection: keep-alive`.
    ///   - omitBody: for `HEAD` requests: headers (with the body's length) but no body.
    public func serialize(
        keepAlive: Bool, requestVersion: HTTPVersion = .http1_1, omitBody: Bool = false
    ) -> [UInt8] {
        var buffer: [UInt8] = []
        serialize(keepAlive: keepAlive, requestVersion: requestVersion, omitBody: omitBody, into: &buffer)
        return buffer
    }

    /// Appends the serialized response to `buffer`: lets the connection batch pipelined responses
    /// into one write without intermediate arrays.
    public func serialize(
        keepAlive: Bool, requestVersion: HTTPVersion = .http1_1, omitBody: Bool = false, into buffer: inout [UInt8]
    ) {
        let allowsBody = status.allowsBody
        let writeBody = allowsBody && !omitBody
        var estimate = 96 + status.reasonPhrase.utf8.count + (writeBody ? body.count : 0)
        for field in headers { estimate += field.name.utf8.count + field.value.utf8.count + 4 }
        buffer.reserveCapacity(buffer.count + estimate)

        buffer.append(contentsOf: "HTTP/1.1 ".utf8)
        HTTPSyntax.appendDecimal(status.code, to: &buffer)
        buffer.append(HTTPSyntax.sp)
        Self.appendSanitized(status.reasonPhrase, to: &buffer)
        buffer.append(contentsOf: "\r\n".utf8)

        var hasContentType = false
        for field in headers {
            guard Self.isWritableName(field.name) else { continue }  // not a token: would corrupt framing
            switch field.name.utf8.count {
            case 10 where HTTPSyntax.equalsIgnoringASCIICase(field.name, "connection"),
                14 where HTTPSyntax.equalsIgnoringASCIICase(field.name, "content-length"),
                17 where HTTPSyntax.equalsIgnoringASCIICase(field.name, "transfer-encoding"):
                continue
            case 12 where HTTPSyntax.equalsIgnoringASCIICase(field.name, "content-type"):
                hasContentType = true
            default:
                break
            }
            buffer.append(contentsOf: field.name.utf8)
            buffer.append(contentsOf: ": ".utf8)
            Self.appendSanitized(field.value, to: &buffer)
            buffer.append(contentsOf: "\r\n".utf8)
        }
        if allowsBody {
            if !hasContentType && !body.isEmpty {
                buffer.append(contentsOf: "Content-Type: application/json\r\n".utf8)
            }
            buffer.append(contentsOf: "Content-Length: ".utf8)
            HTTPSyntax.appendDecimal(body.count, to: &buffer)
            buffer.append(contentsOf: "\r\n".utf8)
        }
        if !keepAlive {
            buffer.append(contentsOf: "Connection: close\r\n".utf8)
        } else if requestVersion == .http1_0 {
            buffer.append(contentsOf: "Connection: keep-alive\r\n".utf8)
        }
        buffer.append(contentsOf: "\r\n".utf8)
        if writeBody {
            buffer.append(contentsOf: body)
        }
    }

    /// The head of a streamed response, whose body follows in pieces until the server closes:
    /// `Transfer-Encoding: chunked` when `chunked` (HTTP/1.1), else delimited by the close
    /// (HTTP/1.0). Framing fields set by the caller are dropped, as in `serialize`.
    public func serializeStreamHead(chunked: Bool) -> [UInt8] {
        var buffer: [UInt8] = []
        buffer.append(contentsOf: "HTTP/1.1 ".utf8)
        HTTPSyntax.appendDecimal(status.code, to: &buffer)
        buffer.append(HTTPSyntax.sp)
        Self.appendSanitized(status.reasonPhrase, to: &buffer)
        buffer.append(contentsOf: "\r\n".utf8)
        for field in headers {
            guard Self.isWritableName(field.name), !HTTPSyntax.equalsIgnoringASCIICase(field.name, "connection"),
                  !HTTPSyntax.equalsIgnoringASCIICase(field.name, "content-length"),
                  !HTTPSyntax.equalsIgnoringASCIICase(field.name, "transfer-encoding") else { continue }
            buffer.append(contentsOf: field.name.utf8)
            buffer.append(contentsOf: ": ".utf8)
            Self.appendSanitized(field.value, to: &buffer)
            buffer.append(contentsOf: "\r\n".utf8)
        }
        if chunked { buffer.append(contentsOf: "Transfer-Encoding: chunked\r\n".utf8) }
        buffer.append(contentsOf: "Connection: close\r\n\r\n".utf8)
        return buffer
    }

    /// One chunk of a chunked body (`bytes` not empty: an empty chunk ends the body).
    public static func chunk(_ bytes: [UInt8]) -> [UInt8] {
        var buffer = Array(String(bytes.count, radix: 16).utf8)
        buffer.append(contentsOf: "\r\n".utf8)
        buffer.append(contentsOf: bytes)
        buffer.append(contentsOf: "\r\n".utf8)
        return buffer
    }

    /// The end of a chunked body.
    public static let lastChunk: [UInt8] = Array("0\r\n\r\n".utf8)

    private static func isWritableName(_ name: String) -> Bool {
        !name.isEmpty && name.utf8.allSatisfy(HTTPSyntax.isTokenByte)
    }

    /// Appends a header value or reason phrase, turning control bytes (CR, LF, NUL...) into spaces
    /// so caller data can never split the response.
    private static func appendSanitized(_ value: String, to buffer: inout [UInt8]) {
        if value.utf8.allSatisfy(HTTPSyntax.isFieldValueByte) {
            buffer.append(contentsOf: value.utf8)
        } else {
            for b in value.utf8 {
                buffer.append(HTTPSyntax.isFieldValueByte(b) ? b : HTTPSyntax.sp)
            }
        }
    }
}
