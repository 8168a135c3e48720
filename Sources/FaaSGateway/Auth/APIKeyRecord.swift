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

    /// What `GET /keys` shows: everything but the hash.
    var listing: [String: Any] {
        var entry: [String: Any] = ["id": id, "scopes": scopes, "created": Int(created)]
        if let functions { entry["functions"] = functions }
        if let expires { entry["expires"] = Int(expires) }
        if let rate { entry["rate"] = rate }
        if let lastUsed { entry["last_used"] = Int(lastUsed) }
        return entry
    }
}
