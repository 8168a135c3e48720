/// A decoded query parameter of a request target (`?fn=hello_1&x=a+b` gives `fn`/`hello_1`, `x`/`a b`).
///
/// Strings for convenience in routing; the parser only produces them from valid UTF-8 (anything
/// else is a 400), so no replacement characters sneak into function names.
public struct HTTPQueryItem: Hashable, Sendable {
    public var name: String
    /// Empty both for `name=` and for a bare `name`.
    public var value: String

    public init(name: String, value: String) {
        self.name = name
        self.value = value
    }
}
