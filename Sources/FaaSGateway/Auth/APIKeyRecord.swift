/// One API key as stored in `keys.json`: never the key itself, only its SHA-256.
struct APIKeyRecord: Codable, Sendable, Equatable {
    var id: String
    /// `sha256:<hex>` of the key's UTF-8 bytes.
    var hash: String
    var scopes: [String]
    /// Function names an `invoke` scope is limited to; nil: all.
    var functions: [String]?
    /// Unix seconds.
    var created: Double
    var expires: Double?
    /// Requests per second (token bucket); nil: the gateway's default.
    var rate: Double?
    var lastUsed: Double?

    enum CodingKeys: String, CodingKey {
        case id, hash, scopes, functions, created, expires, rate
        case lastUsed = "last_used"
    }

    static func hash(of key: String) -> String { "sha256:" + Crypto.hex(Crypto.sha256(Array(key.utf8))) }

    var principal: Principal {
        Principal(id: id, scopes: Set(scopes.compactMap(Scope.init(rawValue:))), functions: functions, rate: rate)
    }

    /// What `GET /keys` shows: everything but the hash (`key` only in `POST /keys`'s answer).
    struct Listing: Encodable {
        let id: String
        let scopes: [String]
        let created: Int
        let functions: [String]?
        let expires: Int?
        let rate: Double?
        var lastUsed: Int?
        var key: String?

        enum CodingKeys: String, CodingKey {
            case id, scopes, created, functions, expires, rate, key
            case lastUsed = "last_used"
        }
    }

    var listing: Listing {
        Listing(id: id, scopes: scopes, created: Int(created), functions: functions, expires: expires.map { Int($0) }, rate: rate,
                lastUsed: lastUsed.map { Int($0) })
    }
}
