/// The contents of `keys.json`.
struct KeyFile: Codable, Sendable, Equatable {
    var keys: [APIKeyRecord] = []
}
