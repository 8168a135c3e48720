import FaaSSystem
import Foundation

/// The gateway's auth settings (flag > environment > default, as every setting).
public struct AuthOptions: Sendable {
    /// False only with `FAAS_AUTH=off`: every route is open (development).
    public var enabled: Bool
    /// Where `keys.json` and the generated `admin.key` live.
    public var directory: String
    /// An admin key given by the operator (systemd credential, container, tests).
    var adminKey: String?
    var jwtSecret: [UInt8]?
    var jwtPublicKeyPath: String?
    var jwtIssuer: String?
    var jwtAudience: String?
    /// Requests per second per key when the key sets none; 0: unlimited.
    var keyRate: Double
    /// Requests per second per client address for public functions called without a key.
    var publicRate: Double
    /// Failed attempts per minute per client address before it gets 429.
    var failuresPerMinute: Double
    /// Peers whose `X-Forwarded-For` is believed (nginx in front).
    var trustedProxies: Set<String>

    static let authSetting = Setting("auth", env: "FAAS_AUTH", default: "on", help: "on: API keys or tokens required; off: every route open (development only)")
    static let adminKeySetting = Setting("admin-key", env: "FAAS_ADMIN_KEY", default: "", help: "the admin API key (at least 16 characters); unset: generated once into <auth-dir>/admin.key")
    static let directorySetting = Setting("auth-dir", env: "FAAS_AUTH_DIR", default: "", help: "folder of keys.json and admin.key (default <functions-dir>/.auth)")
    static let jwtSecretSetting = Setting("jwt-secret", env: "FAAS_JWT_SECRET", default: "", help: "HS256 secret for Bearer JWTs (at least 32 bytes)")
    static let jwtPublicKeySetting = Setting("jwt-public-key", env: "FAAS_JWT_PUBLIC_KEY", default: "", help: "PEM public key file for RS256 / ES256 Bearer JWTs")
    static let jwtIssuerSetting = Setting("jwt-issuer", env: "FAAS_JWT_ISSUER", default: "", help: "required iss claim of JWTs (unset: not checked)")
    static let jwtAudienceSetting = Setting("jwt-audience", env: "FAAS_JWT_AUDIENCE", default: "", help: "required aud claim of JWTs (unset: not checked)")
    static let keyRateSetting = Setting("key-rate", env: "FAAS_KEY_RATE", default: "0", help: "requests per second per key unless the key sets its own; 0: unlimited")
    static let publicRateSetting = Setting("public-rate", env: "FAAS_PUBLIC_RATE", default: "20", help: "requests per second per client address for public functions called without a key")
    static let failuresSetting = Setting("auth-failures", env: "FAAS_AUTH_FAILURES", default: "10", help: "failed auth attempts per minute per client address before 429")
    static let trustedProxiesSetting = Setting("trusted-proxies", env: "FAAS_TRUSTED_PROXIES", default: "", help: "comma-separated proxy addresses whose X-Forwarded-For is trusted")

    static let known = [authSetting, adminKeySetting, directorySetting, jwtSecretSetting, jwtPublicKeySetting, jwtIssuerSetting,
                        jwtAudienceSetting, keyRateSetting, publicRateSetting, failuresSetting, trustedProxiesSetting]

    init(settings: Settings, functionsDirectory: String) throws {
        switch settings.string(Self.authSetting).lowercased() {
        case "on", "true", "1", "yes": enabled = true
        case "off", "false", "0", "no": enabled = false
        case let other: throw SettingsError.invalid(Self.authSetting.flag, other, "expected on or off")
        }
        let folder = settings.string(Self.directorySetting)
        directory = URL(fileURLWithPath: folder.isEmpty ? functionsDirectory + "/.auth" : folder).standardizedFileURL.path
        let admin = settings.string(Self.adminKeySetting)
        if !admin.isEmpty {
            guard admin.utf8.count >= 16, admin.utf8.count <= Credentials.maxLength, Credentials.isToken68(admin), !JWTVerifier.looksLikeJWT(admin) else {
                throw SettingsError.invalid(Self.adminKeySetting.flag, "(hidden)", "expected at least 16 characters of A-Z a-z 0-9 - _ ~ + / =")
            }
            adminKey = admin
        }
        let secret = settings.string(Self.jwtSecretSetting)
        if !secret.isEmpty {
            guard secret.utf8.count >= 32 else {
                throw SettingsError.invalid(Self.jwtSecretSetting.flag, "(hidden)", "expected at least 32 bytes")
            }
            jwtSecret = Array(secret.utf8)
        }
        let publicKey = settings.string(Self.jwtPublicKeySetting)
        if !publicKey.isEmpty {
            guard jwtSecret == nil else {
                throw SettingsError.invalid(Self.jwtPublicKeySetting.flag, publicKey, "set either a JWT secret or a public key, not both")
            }
            jwtPublicKeyPath = publicKey
        }
        let issuer = settings.string(Self.jwtIssuerSetting)
        jwtIssuer = issuer.isEmpty ? nil : issuer
        let audience = settings.string(Self.jwtAudienceSetting)
        jwtAudience = audience.isEmpty ? nil : audience
        keyRate = try settings.number(Self.keyRateSetting, in: 0...1_000_000)
        publicRate = try settings.number(Self.publicRateSetting, in: 0.001...1_000_000)
        failuresPerMinute = try settings.number(Self.failuresSetting, in: 1...1_000_000)
        let proxies = settings.string(Self.trustedProxiesSetting).split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        for proxy in proxies where ClientAddress.normalized(proxy) == nil {
            throw SettingsError.invalid(Self.trustedProxiesSetting.flag, proxy, "expected IP addresses separated by commas")
        }
        trustedProxies = Set(proxies.compactMap(ClientAddress.normalized))
    }
}
