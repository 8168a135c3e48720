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

    static let known = [CommonSettings.auth, CommonSettings.adminKey, CommonSettings.authDirectory, CommonSettings.jwtSecret, CommonSettings.jwtPublicKey, CommonSettings.jwtIssuer,
                        CommonSettings.jwtAudience, CommonSettings.keyRate, CommonSettings.publicRate, CommonSettings.authFailures, CommonSettings.trustedProxies]

    init(settings: Settings, functionsDirectory: String) throws {
        switch settings.string(CommonSettings.auth).lowercased() {
        case "on", "true", "1", "yes": enabled = true
        case "off", "false", "0", "no": enabled = false
        case let other: throw SettingsError.invalid(settings.source(CommonSettings.auth).name(of: CommonSettings.auth), other, "expected on or off")
        }
        let folder = settings.string(CommonSettings.authDirectory)
        directory = URL(fileURLWithPath: folder.isEmpty ? functionsDirectory + "/.auth" : folder).standardizedFileURL.path
        let admin = settings.string(CommonSettings.adminKey)
        if !admin.isEmpty {
            guard admin.utf8.count >= 16, admin.utf8.count <= Credentials.maxLength, Credentials.isToken68(admin), !JWTVerifier.looksLikeJWT(admin) else {
                throw SettingsError.invalid(settings.source(CommonSettings.adminKey).name(of: CommonSettings.adminKey), "(hidden)", "expected at least 16 characters of A-Z a-z 0-9 - _ ~ + / =")
            }
            adminKey = admin
        }
        let secret = settings.string(CommonSettings.jwtSecret)
        if !secret.isEmpty {
            guard secret.utf8.count >= 32 else {
                throw SettingsError.invalid(settings.source(CommonSettings.jwtSecret).name(of: CommonSettings.jwtSecret), "(hidden)", "expected at least 32 bytes")
            }
            jwtSecret = Array(secret.utf8)
        }
        let publicKey = settings.string(CommonSettings.jwtPublicKey)
        if !publicKey.isEmpty {
            guard jwtSecret == nil else {
                throw SettingsError.invalid(settings.source(CommonSettings.jwtPublicKey).name(of: CommonSettings.jwtPublicKey), publicKey, "set either a JWT secret or a public key, not both")
            }
            jwtPublicKeyPath = publicKey
        }
        let issuer = settings.string(CommonSettings.jwtIssuer)
        jwtIssuer = issuer.isEmpty ? nil : issuer
        let audience = settings.string(CommonSettings.jwtAudience)
        jwtAudience = audience.isEmpty ? nil : audience
        keyRate = try settings.number(CommonSettings.keyRate)
        publicRate = try settings.number(CommonSettings.publicRate)
        failuresPerMinute = try settings.number(CommonSettings.authFailures)
        let proxies = settings.string(CommonSettings.trustedProxies).split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        for proxy in proxies where ClientAddress.normalized(proxy) == nil {
            throw SettingsError.invalid(settings.source(CommonSettings.trustedProxies).name(of: CommonSettings.trustedProxies), proxy, "expected IP addresses separated by commas")
        }
        trustedProxies = Set(proxies.compactMap(ClientAddress.normalized))
    }
}
