import FaaSHTTP
import Foundation

/// What the `Authorization` header carries, parsed at the edge.
enum Credentials: Equatable {
    case none
    /// `Bearer <key or JWT>`, or the password of `Basic` (`curl -u admin:KEY`).
    case secret(String)
    case malformed(String)

    /// Longest credential accepted: a key is 47 characters, a JWT a few hundred.
    static let maxLength = 8192

    init(headers: HTTPHeaders) {
        let values = headers["Authorization"]
        guard let value = values.first else {
            self = .none
            return
        }
        guard values.count == 1 else {
            self = .malformed("more than one Authorization header")
            return
        }
        self = Credentials(header: value)
    }

    init(header value: String) {
        guard value.utf8.count <= Self.maxLength + 16 else {
            self = .malformed("Authorization header too long")
            return
        }
        let parts = value.split(separator: " ", maxSplits: 1, omittingEmptySubsequences: true)
        guard parts.count == 2 else {
            self = .malformed("expected 'Bearer KEY' or 'Basic BASE64'")
            return
        }
        let scheme = parts[0].lowercased()
        let parameter = parts[1].trimmingCharacters(in: .whitespaces)
        switch scheme {
        case "bearer":
            guard Self.isToken68(parameter) else {
                self = .malformed("a Bearer credential is one token of A-Z a-z 0-9 - . _ ~ + / =")
                return
            }
            self = .secret(parameter)
        case "basic":
            guard Self.isToken68(parameter), let data = Data(base64Encoded: parameter),
                  let text = String(data: data, encoding: .utf8), let colon = text.firstIndex(of: ":") else {
                self = .malformed("a Basic credential is base64 of 'user:KEY'")
                return
            }
            let password = String(text[text.index(after: colon)...])
            guard !password.isEmpty, password.utf8.count <= Self.maxLength else {
                self = .malformed("empty or too long Basic password")
                return
            }
            self = .secret(password)
        default:
            self = .malformed("unsupported scheme \(String(parts[0]).prefix(20).debugDescription)")
        }
    }

    /// RFC 9110's token68, bounded in length.
    static func isToken68(_ text: String) -> Bool {
        guard !text.isEmpty, text.utf8.count <= maxLength else { return false }
        var sawPadding = false
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "="): sawPadding = true
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                 UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"), UInt8(ascii: "+"), UInt8(ascii: "/"):
                if sawPadding { return false }
            default: return false
            }
        }
        return true
    }
}
