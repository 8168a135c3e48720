import FaaSProtocol
import FaaSHTTP
import Foundation

/// A request to the raw route, `ANY /fn/NAME_OR_ID[/sub/path][?query]`: which function, and the
/// request as that function sees it (`InvocationContext.HTTPEvent`).
struct FnRequest {
    static let prefix = "/fn/"

    /// The function's name or version id, percent-decoded.
    let function: String
    /// The path below the function's own, as sent (not decoded); `/` when none.
    let subPath: String

    /// From the request's path (not decoded); nil when it names no function.
    init?(path: String) {
        guard path.hasPrefix(Self.prefix) else { return nil }
        let rest = path.dropFirst(Self.prefix.count)
        let slash = rest.firstIndex(of: "/") ?? rest.endIndex
        guard let name = String(rest[..<slash]).removingPercentEncoding, !name.isEmpty else { return nil }
        function = name
        subPath = slash == rest.endIndex ? "/" : String(rest[slash...])
    }

    /// Request headers a function never sees: the caller's credentials for the gateway (a
    /// function must not be able to replay its caller's key).
    static let credentialHeaders: Set<String> = ["authorization", "proxy-authorization", "x-api-key"]

    /// The request as the function gets it: method, sub-path, raw query, lower-cased headers
    /// without the credentials, and the caller's address.
    func event(_ request: HTTPRequest, sourceIP: String) -> InvocationContext.HTTPEvent {
        var headers: [(name: String, value: String)] = []
        headers.reserveCapacity(request.headers.count)
        for field in request.headers {
            let name = field.name.lowercased()
            guard !Self.credentialHeaders.contains(name) else { continue }
            headers.append((name, field.value))
        }
        return InvocationContext.HTTPEvent(method: request.method.rawValue, path: subPath, query: request.head.query ?? "",
                                          headers: headers, sourceIP: sourceIP)
    }
}
