/// What a key or token may do. `admin` covers everything, keys included.
enum Scope: String, CaseIterable, Sendable, Comparable {
    /// Everything, including managing keys.
    case admin
    /// Deploy, update and delete functions.
    case deploy
    /// Invoke functions (all, or the key's list of names).
    case invoke
    /// List functions, read their source, metrics.
    case read

    static func < (lhs: Scope, rhs: Scope) -> Bool { lhs.rawValue < rhs.rawValue }

    /// Parses a list of scope names; nil when one is unknown.
    static func parse(_ names: [String]) -> Set<Scope>? {
        var scopes: Set<Scope> = []
        for name in names {
            guard let scope = Scope(rawValue: name) else { return nil }
            scopes.insert(scope)
        }
        return scopes
    }
}
