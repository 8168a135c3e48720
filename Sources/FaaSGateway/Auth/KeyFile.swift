/// The contents of `keys.json`.
struct KeyFile: Codable, Sendable {
    var keys: [APIKeyRecord] = []
}
