/// Who sent an authenticated request: an API key or a JWT's subject.
struct Principal: Sendable {
    /// The key's id, or `jwt:<sub>` for a token: names the caller in logs and rate limits.
    let id: String
    let scopes: Set<Scope>
    /// The only functions (by name) an `invoke` scope reaches; nil: every function.
    let functions: [String]?
    /// Requests per second; nil: the default (`FAAS_KEY_RATE`).
    let rate: Double?

    func has(_ scope: Scope) -> Bool { scopes.contains(.admin) || scopes.contains(scope) }

    /// Whether this caller may invoke the function named `name`.
    func mayInvoke(_ name: String) -> Bool {
        if scopes.contains(.admin) { return true }
        guard scopes.contains(.invoke) else { return false }
        guard let functions else { return true }
        return functions.contains(name)
    }
}
