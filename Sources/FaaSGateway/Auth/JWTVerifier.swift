import FaaSSystem
import Foundation

/// Checks `Bearer` JSON Web Tokens (compact JWS): HS256 with `FAAS_JWT_SECRET`, or RS256 /
/// ES256 with the public key of `FAAS_JWT_PUBLIC_KEY`. Only the algorithm of the configured key
/// is accepted (never `none`, never HS256 keyed with a public key). Claims: `exp` (required),
/// `nbf`, `iss` and `aud` when configured, the scopes in `scope` (space-separated), and an
/// optional `functions` array limiting `invoke`.
struct JWTVerifier {
    enum Key {
        case secret([UInt8])
        case publicKey(VerificationKey)

        var algorithm: String {
            switch self {
            case .secret: return "HS256"
            case .publicKey(let key): return key.kind.rawValue
            }
        }
    }

    let key: Key
    let issuer: String?
    let audience: String?
    /// Seconds of clock skew allowed on `exp` and `nbf`.
    var leeway: Double = 30

    /// Whether `text` is shaped like a JWT (three dot-separated parts) rather than an API key.
    static func looksLikeJWT(_ text: String) -> Bool {
        text.utf8.lazy.filter { $0 == UInt8(ascii: ".") }.count == 2
    }

    /// The token's principal, or why it is refused (said to the log, not the client).
    func verify(_ token: String, now: Double) -> Result<Principal, AuthFailure> {
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3, let headerBytes = Base64URL.decode(parts[0]), let payloadBytes = Base64URL.decode(parts[1]),
              let signature = Base64URL.decode(parts[2]) else {
            return .failure(.invalidToken("not a compact JWS"))
        }
        guard let header = Self.object(headerBytes), let algorithm = header["alg"]?.string else {
            return .failure(.invalidToken("header without alg"))
        }
        guard algorithm == key.algorithm else {
            return .failure(.invalidToken("alg \(algorithm.prefix(16).debugDescription) refused (configured: \(key.algorithm))"))
        }
        if header["crit"] != nil { return .failure(.invalidToken("crit header not supported")) }
        let signed = Array(token.utf8.prefix(parts[0].utf8.count + 1 + parts[1].utf8.count))
        switch key {
        case .secret(let secret):
            guard Crypto.constantTimeEqual(Crypto.hmacSHA256(key: secret, message: signed), signature) else {
                return .failure(.invalidToken("bad signature"))
            }
        case .publicKey(let publicKey):
            guard publicKey.verify(message: signed, signature: signature) else { return .failure(.invalidToken("bad signature")) }
        }
        guard let claims = Self.object(payloadBytes) else {
            return .failure(.invalidToken("claims are not a JSON object"))
        }
        guard let exp = Self.number(claims["exp"]) else { return .failure(.invalidToken("no exp claim")) }
        if now > exp + leeway { return .failure(.expired) }
        if claims["nbf"] != nil {
            guard let nbf = Self.number(claims["nbf"]) else { return .failure(.invalidToken("bad nbf claim")) }
            if now + leeway < nbf { return .failure(.invalidToken("not valid yet (nbf)")) }
        }
        if let issuer, claims["iss"]?.string != issuer { return .failure(.invalidToken("wrong issuer")) }
        if let audience {
            let audiences = claims["aud"].flatMap { $0.string.map { [$0] } ?? Self.strings($0) } ?? []
            guard audiences.contains(audience) else { return .failure(.invalidToken("wrong audience")) }
        }
        guard let scopeText = claims["scope"]?.string else { return .failure(.invalidToken("no scope claim")) }
        // Unknown scope names are ignored: an identity provider may issue scopes for other services.
        let scopes = Set(scopeText.split(separator: " ").compactMap { Scope(rawValue: String($0)) })
        var functions: [String]?
        if let list = claims["functions"] {
            guard let names = Self.strings(list) else { return .failure(.invalidToken("functions claim is not a list of names")) }
            functions = names
        }
        let subject = claims["sub"]?.string.map { String($0.prefix(64)) } ?? "-"
        return .success(Principal(id: "jwt:\(subject)", scopes: scopes, functions: functions, rate: nil))
    }

    /// A finite JSON number (a huge `exp` is not "never expires").
    private static func number(_ value: JSONValue?) -> Double? {
        value?.double.flatMap { $0.isFinite ? $0 : nil }
    }

    /// The JSON object `bytes` hold, or nil.
    private static func object(_ bytes: [UInt8]) -> JSONValue? {
        guard let value = bytes.withUnsafeBufferPointer({ try? JSONValue.parse($0) }), case .object = value else { return nil }
        return value
    }

    /// A JSON array of strings, or nil.
    private static func strings(_ value: JSONValue) -> [String]? {
        guard case .array(let items) = value else { return nil }
        let names = items.compactMap(\.string)
        return names.count == items.count ? names : nil
    }
}
