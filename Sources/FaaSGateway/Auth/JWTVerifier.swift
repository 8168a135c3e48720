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
        guard let header = (try? JSONSerialization.jsonObject(with: Data(headerBytes))) as? [String: Any],
              let algorithm = header["alg"] as? String else {
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
        guard let claims = (try? JSONSerialization.jsonObject(with: Data(payloadBytes))) as? [String: Any] else {
            return .failure(.invalidToken("claims are not a JSON object"))
        }
        guard let exp = Self.number(claims["exp"]) else { return .failure(.invalidToken("no exp claim")) }
        if now > exp + leeway { return .failure(.expired) }
        if claims["nbf"] != nil {
            guard let nbf = Self.number(claims["nbf"]) else { return .failure(.invalidToken("bad nbf claim")) }
            if now + leeway < nbf { return .failure(.invalidToken("not valid yet (nbf)")) }
        }
        if let issuer, claims["iss"] as? String != issuer { return .failure(.invalidToken("wrong issuer")) }
        if let audience {
            let audiences = (claims["aud"] as? String).map { [$0] } ?? (claims["aud"] as? [String]) ?? []
            guard audiences.contains(audience) else { return .failure(.invalidToken("wrong audience")) }
        }
        guard let scopeText = claims["scope"] as? String else { return .failure(.invalidToken("no scope claim")) }
        // Unknown scope names are ignored: an identity provider may issue scopes for other services.
        let scopes = Set(scopeText.split(separator: " ").compactMap { Scope(rawValue: String($0)) })
        var functions: [String]?
        if let list = claims["functions"] {
            guard let names = list as? [String] else { return .failure(.invalidToken("functions claim is not a list of names")) }
            functions = names
        }
        let subject = (claims["sub"] as? String).map { String($0.prefix(64)) } ?? "-"
        return .success(Principal(id: "jwt:\(subject)", scopes: scopes, functions: functions, rate: nil))
    }

    private static func number(_ value: Any?) -> Double? {
        (value as? NSNumber)?.doubleValue
    }
}
