/// An ordered list of header fields with case-insensitive name lookup.
///
/// Order and duplicates are kept exactly as received (they matter for `Set-Cookie`-like fields and
/// for detecting conflicting `Content-Length`s); lookups ignore ASCII case as RFC 9110 requires.
public struct HTTPHeaders: Sendable, Equatable, Sequence, ExpressibleByDictionaryLiteral,
    CustomStringConvertible
{
    public typealias Element = (name: String, value: String)

    private var storage: [(name: String, value: String)]

    public init() {
        storage = []
    }

    /// Creates headers from name/value pairs, keeping their order.
    public init(_ pairs: [(String, String)]) {
        storage = pairs.map { (name: $0.0, value: $0.1) }
    }

    public init(dictionaryLiteral elements: (String, String)...) {
        self.init(elements)
    }

    /// Number of fields, counting duplicates.
    public var count: Int { storage.count }

    public var isEmpty: Bool { storage.isEmpty }

    /// Appends a field, keeping any existing ones with the same name.
    public mutating func add(name: String, value: String) {
        storage.append((name: name, value: value))
    }

    /// Removes every field named `name` (any case) and appends one with `value`.
    public mutating func replaceOrAdd(name: String, value: String) {
        remove(name: name)
        storage.append((name: name, value: value))
    }

    /// Removes every field named `name`, compared case-insensitively.
    public mutating func remove(name: String) {
        storage.removeAll { HTTPSyntax.equalsIgnoringASCIICase($0.name, name) }
    }

    /// All values of fields named `name` (case-insensitive), in order.
    public subscript(name: String) -> [String] {
        var values: [String] = []
        for field in storage where HTTPSyntax.equalsIgnoringASCIICase(field.name, name) {
            values.append(field.value)
        }
        return values
    }

    /// The first value of a field named `name` (case-insensitive), if any.
    public func first(name: String) -> String? {
        for field in storage where HTTPSyntax.equalsIgnoringASCIICase(field.name, name) {
            return field.value
        }
        return nil
    }

    /// Whether some field is named `name` (case-insensitive).
    public func contains(name: String) -> Bool {
        first(name: name) != nil
    }

    /// Whether the comma-separated values of `name` hold `token` (case-insensitive), as for
    /// `Connection: close` or `Expect: 100-continue`.
    public func containsToken(_ token: String, inField name: String) -> Bool {
        for field in storage where HTTPSyntax.equalsIgnoringASCIICase(field.name, name) {
            var found = false
            HTTPSyntax.forEachListElement(field.value) { element in
                if !found && element.count == token.utf8.count
                    && element.elementsEqual(token.utf8, by: { HTTPSyntax.asciiLower($0) == HTTPSyntax.asciiLower($1) })
                {
                    found = true
                }
            }
            if found { return true }
        }
        return false
    }

    public func makeIterator() -> IndexingIterator<[(name: String, value: String)]> {
        storage.makeIterator()
    }

    public var description: String {
        storage.map { "\($0.name): \($0.value)" }.joined(separator: "\n")
    }

    /// Order-sensitive, name-case-sensitive equality: two header lists are equal when they would be
    /// sent identically.
    public static func == (lhs: HTTPHeaders, rhs: HTTPHeaders) -> Bool {
        lhs.storage.count == rhs.storage.count
            && zip(lhs.storage, rhs.storage).allSatisfy { $0.name == $1.name && $0.value == $1.value }
    }

    mutating func reserveCapacity(_ n: Int) {
        storage.reserveCapacity(n)
    }
}
