import FaaSHTTP
import FaaSStore

/// A function's `&public=` and `&cors=` deploy parameters: whether anyone may invoke it without
/// a key, and which web origin may read its answers.
struct FunctionAccess: Equatable {
    var isPublic: Bool
    /// `*` or one origin (`https://example.com`); nil: no CORS headers.
    var cors: String?

    /// As an existing version has it (private when there is none).
    init(_ metadata: FunctionMetadata?) {
        isPublic = metadata?.isPublic ?? false
        cors = metadata?.cors
    }

    init(isPublic: Bool, cors: String?) {
        self.isPublic = isPublic
        self.cors = cors
    }

    func apply(to metadata: inout FunctionMetadata) {
        metadata.isPublic = isPublic ? true : nil
        metadata.cors = cors
    }

    /// From a deploy's query: nil when neither parameter is given (an update keeps the old ones).
    static func parse(_ request: HTTPRequest) throws(RequestRefusal) -> FunctionAccess? {
        let publicText = request.queryValue("public")
        let corsText = request.queryValue("cors")
        guard publicText != nil || corsText != nil else { return nil }
        var access = FunctionAccess(isPublic: false, cors: nil)
        if let publicText {
            switch publicText.lowercased() {
            case "true", "1", "yes": access.isPublic = true
            case "false", "0", "no", "": access.isPublic = false
            default:
                throw RequestRefusal(.badRequest, "invalid public \(publicText.debugDescription): true or false")
            }
        }
        if let corsText, !corsText.isEmpty {
            guard corsText == "*" || isOrigin(corsText) else {
                throw RequestRefusal(.badRequest, "invalid cors \(corsText.debugDescription): * or an origin like https://example.com")
            }
            guard access.isPublic else {
                throw RequestRefusal(.badRequest, "cors applies to public functions: add &public=true")
            }
            access.cors = corsText
        }
        return access
    }

    /// `http(s)://host[:port]`, nothing after.
    private static func isOrigin(_ text: String) -> Bool {
        guard text.count <= 256 else { return false }
        for scheme in ["http://", "https://"] where text.hasPrefix(scheme) {
            let rest = text.dropFirst(scheme.count)
            return !rest.isEmpty && rest.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "." || $0 == "-" || $0 == ":" || $0 == "[" || $0 == "]") }
        }
        return false
    }

    /// CORS headers for an answer to `origin` (nil when this function allows none).
    func corsHeaders(origin: String?) -> [(String, String)] {
        guard isPublic, let cors, let origin else { return [] }
        guard cors == "*" || cors == origin else { return [] }
        return [("Access-Control-Allow-Origin", cors == "*" ? "*" : origin), ("Vary", "Origin")]
    }
}
