import FaaSSystem
import FaaSHTTP
import Foundation
import Glibc

/// Decides, for every route in one place, whether a request may proceed: API keys (Bearer or
/// Basic), JWTs, public functions, per-key and per-address rate limits, the failure lock-out
/// per client address, and the cross-origin refusal.
final class Authenticator {
    let options: AuthOptions
    let keys: KeyStore?
    private let jwt: JWTVerifier?
    private let log: Logger
    private var limits = RateLimiter()
    private(set) var metrics = AuthMetrics()

    /// The file holding the generated admin key.
    var adminKeyPath: String { options.directory + "/admin.key" }

    init(options: AuthOptions, log: Logger) throws {
        self.options = options
        self.log = log
        guard options.enabled else {
            keys = nil
            jwt = nil
            log.warn("FAAS_AUTH=off: every route is open to anyone who can reach the port; use only for development")
            return
        }
        let keys = try KeyStore(directory: options.directory, log: log)
        self.keys = keys
        if let secret = options.jwtSecret {
            jwt = JWTVerifier(key: .secret(secret), issuer: options.jwtIssuer, audience: options.jwtAudience)
        } else if let path = options.jwtPublicKeyPath {
            let pem = try FileDescriptor.open(path, O_RDONLY).closeAfter { try $0.readAll(limit: 1 << 20) }
            jwt = JWTVerifier(key: .publicKey(try VerificationKey(pem: pem)), issuer: options.jwtIssuer, audience: options.jwtAudience)
        } else {
            jwt = nil
        }
        try bootstrapAdminKey(keys)
        if let jwt { log.info("accepting JWTs", ["alg": jwt.key.algorithm]) }
    }

    /// FAAS_ADMIN_KEY becomes (or replaces) the `admin` key; without it, the first start with
    /// no key at all generates one into `admin.key` (0600).
    private func bootstrapAdminKey(_ keys: KeyStore) throws {
        let now = Date().timeIntervalSince1970
        if let given = options.adminKey {
            let hash = APIKeyRecord.hash(of: given)
            try keys.update { file in
                if let index = file.keys.firstIndex(where: { $0.id == "admin" }) {
                    guard file.keys[index].hash != hash else { return }
                    file.keys[index].hash = hash
                    file.keys[index].scopes = [Scope.admin.rawValue]
                    file.keys[index].expires = nil
                } else {
                    file.keys.append(APIKeyRecord(id: "admin", hash: hash, scopes: [Scope.admin.rawValue], created: now))
                }
            }
            log.info("auth on; admin key from FAAS_ADMIN_KEY", ["keys": keys.path])
            return
        }
        let path = adminKeyPath
        let created: Bool = try keys.update { file in
            guard file.keys.isEmpty else { return false }
            let key = Self.newKey()
            try OwnerOnlyFile.write(path, Array((key + "\n").utf8))
            file.keys.append(APIKeyRecord(id: "admin", hash: APIKeyRecord.hash(of: key), scopes: [Scope.admin.rawValue], created: now))
            return true
        }
        if created {
            log.info("auth on; created the admin key", ["file": path])
        } else {
            log.info("auth on", ["keys": keys.path, "admin_key_file": FileManager.default.fileExists(atPath: path) ? path : "(none)"])
        }
    }

    /// A new API key: `mfk_` and 256 random bits in base64url.
    static func newKey() -> String { "mfk_" + Base64URL.encode(Crypto.randomBytes(32)) }

    // MARK: the decision

    func authorize(_ request: HTTPRequest, access: Access, client: String, route: String) -> AuthDecision {
        guard options.enabled else { return .allow(nil) }
        let now = EventLoop.now()
        let credentials = Credentials(headers: request.headers)
        switch access {
        case .open:
            return .allow(nil)
        case .invoke(let target) where target.isPublic && credentials == .none:
            if let wait = limits.take("public " + client, rate: options.publicRate, now: now) {
                metrics.rateLimited["public", default: 0] += 1
                return .refuse(Self.tooMany("rate limit for public calls from your address exceeded", wait: wait))
            }
            return .allow(nil)
        default:
            break
        }
        if let origin = request.headers.first(name: "Origin"), !OriginPolicy.isSameOrigin(origin, host: request.headers.first(name: "Host")) {
            metrics.crossOrigin += 1
            log.warn("cross-origin request refused", ["client": client, "route": route, "origin": String(origin.prefix(200))])
            return .refuse(HTTPResponse.jsonError(status: .forbidden, message: "cross-origin request refused"))
        }
        let lockout = limits.wait("failures " + client, now: now)
        if lockout > 0 {
            metrics.rateLimited["failures", default: 0] += 1
            return .refuse(Self.tooMany("too many failed authentication attempts from your address", wait: lockout))
        }
        let principal: Principal
        switch authenticate(credentials, now: Date().timeIntervalSince1970) {
        case .success(let found): principal = found
        case .failure(let failure):
            metrics.failures[failure.reason, default: 0] += 1
            // Guessing needs a credential: only presented ones count toward the lock-out.
            if failure != .missing {
                _ = limits.take("failures " + client, rate: options.failuresPerMinute / 60, burst: options.failuresPerMinute, now: now)
                log.warn("authentication failed", ["client": client, "route": route, "reason": failure.description])
            }
            return .refuse(Self.unauthorized(failure))
        }
        let allowed: Bool
        switch access {
        case .open, .authenticated: allowed = true
        case .scope(let scope): allowed = principal.has(scope)
        case .invoke(let target): allowed = principal.mayInvoke(target.name)
        }
        guard allowed else {
            metrics.refusedScope += 1
            log.info("forbidden", ["client": client, "route": route, "caller": principal.id])
            return .refuse(HTTPResponse.jsonError(status: .forbidden, message: "this key may not do that (\(Self.need(access)))"))
        }
        let rate = principal.rate ?? options.keyRate
        if rate > 0, let wait = limits.take("key " + principal.id, rate: rate, now: now) {
            metrics.rateLimited["key", default: 0] += 1
            return .refuse(Self.tooMany("rate limit of this key exceeded (\(rate) requests per second)", wait: wait))
        }
        return .allow(principal)
    }

    /// The principal behind a credential: a JWT when configured and the text has its shape,
    /// else an API key.
    private func authenticate(_ credentials: Credentials, now: Double) -> Result<Principal, AuthFailure> {
        let secret: String
        switch credentials {
        case .none: return .failure(.missing)
        case .malformed(let why): return .failure(.malformed(why))
        case .secret(let text): secret = text
        }
        if JWTVerifier.looksLikeJWT(secret) {
            guard let jwt else { return .failure(.invalidToken("JWTs are not enabled (FAAS_JWT_SECRET / FAAS_JWT_PUBLIC_KEY)")) }
            return jwt.verify(secret, now: now)
        }
        guard let keys else { return .failure(.unknownKey) }
        do { try keys.refresh() } catch { log.error("cannot read the key file; using the keys read before", ["file": keys.path, "error": error]) }
        guard let record = keys.lookup(secret) else { return .failure(.unknownKey) }
        if let expires = record.expires, now >= expires { return .failure(.expired) }
        keys.markUsed(record, now: now)
        return .success(record.principal)
    }

    private static func need(_ access: Access) -> String {
        switch access {
        case .open: return "nothing"
        case .authenticated: return "a key"
        case .scope(let scope): return "needs scope \(scope.rawValue)"
        case .invoke(let target): return "needs scope invoke for \(target.name)"
        }
    }

    static func unauthorized(_ failure: AuthFailure) -> HTTPResponse {
        let message: String
        switch failure {
        case .missing: message = "authentication required: send Authorization: Bearer KEY (or curl -u admin:KEY)"
        case .malformed: message = "malformed Authorization header"
        case .expired: message = "the key or token has expired"
        case .unknownKey, .invalidToken: message = "invalid key or token"
        }
        var response = HTTPResponse.jsonError(status: .unauthorized, message: message)
        response.headers.add(name: "WWW-Authenticate", value: #"Bearer realm="minifaas", Basic realm="minifaas""#)
        return response
    }

    static func tooMany(_ message: String, wait: Double) -> HTTPResponse {
        var response = HTTPResponse.jsonError(status: .tooManyRequests, message: message)
        response.headers.add(name: "Retry-After", value: String(max(1, Int(wait.rounded(.up)))))
        return response
    }
}
