/// Why a credential was refused. Logged with the client's address; the client only learns the
/// status (401) and a generic message, and never sees its credential echoed.
enum AuthFailure: Error, Equatable, CustomStringConvertible {
    case missing
    case malformed(String)
    case unknownKey
    case expired
    case invalidToken(String)

    var description: String {
        switch self {
        case .missing: return "no credentials"
        case .malformed(let why): return "malformed Authorization header: \(why)"
        case .unknownKey: return "unknown or revoked key"
        case .expired: return "expired credential"
        case .invalidToken(let why): return "invalid token: \(why)"
        }
    }

    /// Short label for metrics.
    var reason: String {
        switch self {
        case .missing: return "missing"
        case .malformed: return "malformed"
        case .unknownKey: return "unknown_key"
        case .expired: return "expired"
        case .invalidToken: return "invalid_token"
        }
    }
}
