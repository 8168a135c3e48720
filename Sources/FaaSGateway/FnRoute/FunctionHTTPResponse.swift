import FaaSSystem
import FaaSProtocol
import FaaSHTTP
import Foundation

/// How a function's result becomes the HTTP answer of `/fn/NAME/...`: the function's own
/// response, as Lambda function URLs and API Gateway's proxy integration shape it.
///
/// - failure: the status `/invoke` gives for that failure, with the gateway's JSON error;
/// - JSON output (`outputType == .json`) that is an object with `statusCode`: that status, its
///   `headers`, `multiValueHeaders` and `cookies`, and its `body` (base64-decoded when
///   `isBase64Encoded`);
/// - other JSON output: 200 `application/json` with the output as is;
/// - text output (a script's stdout, a handler's string): 200 `text/plain; charset=utf-8`, or
///   `application/octet-stream` when the bytes are not UTF-8.
enum FunctionHTTPResponse {
    /// Response headers a function may not set: the gateway owns the framing and the
    /// connection (RFC 9110 section 7.6.1's hop-by-hop fields, and the body's length/coding).
    static let refusedHeaders: Set<String> = [
        "connection", "content-length", "transfer-encoding", "keep-alive", "proxy-connection", "te", "trailer", "upgrade",
    ]

    static func make(from result: ResultMessage) -> HTTPResponse {
        guard result.ok else {
            let code = result.code ?? .internal
            return HTTPResponse.jsonError(status: HTTPStatus(code: code.httpStatus), message: result.error ?? "the function failed")
        }
        let output = result.output ?? []
        guard result.outputType == .json else { return text(output) }
        let parsed = output.withUnsafeBufferPointer { try? JSONValue.parse($0) }
        guard let parsed, case .object = parsed, let statusValue = parsed["statusCode"] else {
            return HTTPResponse(status: .ok, headers: ["Content-Type": "application/json"], body: output)
        }
        return proxyResponse(parsed, statusValue: statusValue)
    }

    /// A text output: what a script printed or a handler returned as a string.
    static func text(_ output: [UInt8]) -> HTTPResponse {
        let type = String(validating: output, as: UTF8.self) == nil ? "application/octet-stream" : "text/plain; charset=utf-8"
        return HTTPResponse(status: .ok, headers: ["Content-Type": type], body: output)
    }

    /// `{"statusCode":201,"headers":{...},"multiValueHeaders":{...},"cookies":[...],"body":"...","isBase64Encoded":false}`.
    private static func proxyResponse(_ object: JSONValue, statusValue: JSONValue) -> HTTPResponse {
        guard let code = statusCode(statusValue) else {
            return invalid("statusCode must be an integer from 200 to 599")
        }
        var headers = HTTPHeaders()
        if let value = object["headers"], !value.isNull {
            guard case .object(let members) = value else { return invalid("headers must be an object of strings") }
            for (name, item) in members {
                guard let text = scalarText(item) else { return invalid("header \(name.debugDescription) must be a string") }
                add(name, text, to: &headers)
            }
        }
        if let value = object["multiValueHeaders"], !value.isNull {
            guard case .object(let members) = value else { return invalid("multiValueHeaders must be an object of string lists") }
            for (name, item) in members {
                guard case .array(let list) = item else { return invalid("multiValueHeaders \(name.debugDescription) must be a list") }
                for element in list {
                    guard let text = scalarText(element) else { return invalid("multiValueHeaders \(name.debugDescription) must hold strings") }
                    add(name, text, to: &headers)
                }
            }
        }
        if let value = object["cookies"], !value.isNull {
            guard case .array(let list) = value else { return invalid("cookies must be a list of strings") }
            for element in list {
                guard let text = element.string else { return invalid("cookies must be a list of strings") }
                add("Set-Cookie", text, to: &headers)
            }
        }
        var body: [UInt8] = []
        if let value = object["body"], !value.isNull {
            guard let text = value.string else { return invalid("body must be a string") }
            if object["isBase64Encoded"]?.bool == true {
                guard let data = Data(base64Encoded: text, options: .ignoreUnknownCharacters) else {
                    return invalid("body is not valid base64 although isBase64Encoded is true")
                }
                body = [UInt8](data)
            } else {
                body = Array(text.utf8)
            }
        }
        // Lambda's default for a proxy response without a type: JSON.
        if !headers.contains(name: "Content-Type") && !body.isEmpty { headers.add(name: "Content-Type", value: "application/json") }
        return HTTPResponse(status: HTTPStatus(code: code), headers: headers, body: body)
    }

    /// An integer status (a whole number, or its decimal text as some handlers send it).
    private static func statusCode(_ value: JSONValue) -> Int? {
        let code: Int?
        switch value {
        case .number(let text): code = Int(text)
        case .string(let text): code = Int(text)
        default: code = nil
        }
        guard let code, (200...599).contains(code) else { return nil }
        return code
    }

    /// Header values as Lambda takes them: strings, and numbers or booleans as their text.
    private static func scalarText(_ value: JSONValue) -> String? {
        switch value {
        case .string(let text): return text
        case .number(let text): return text
        case .bool(let flag): return flag ? "true" : "false"
        default: return nil
        }
    }

    /// Adds a function's header unless it is not a token, carries CR/LF/NUL (response
    /// splitting), or is one of the gateway's own framing fields: those are dropped.
    private static func add(_ name: String, _ value: String, to headers: inout HTTPHeaders) {
        guard isToken(name), !refusedHeaders.contains(name.lowercased()),
              value.utf8.allSatisfy({ $0 == 0x09 || ($0 >= 0x20 && $0 != 0x7f) }) else { return }
        headers.add(name: name, value: value)
    }

    private static func isToken(_ name: String) -> Bool {
        !name.isEmpty && name.utf8.allSatisfy { byte in
            (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A) || "!#$%&'*+-.^_`|~".utf8.contains(byte)
        }
    }

    /// A function whose HTTP-shaped answer cannot be sent: its own failure, so 500.
    private static func invalid(_ why: String) -> HTTPResponse {
        HTTPResponse.jsonError(status: .internalServerError, message: "the function's HTTP response is invalid: \(why)")
    }
}
