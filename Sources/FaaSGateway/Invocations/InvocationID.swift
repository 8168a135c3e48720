/// Invocation ids: `inv_…` from an `IDSequence`.
struct InvocationIDs {
    private var sequence = IDSequence(prefix: "inv")

    mutating func next() -> String { sequence.next() }

    /// What an id may look like in a URL (checked before a lookup).
    static func isValid(_ text: String) -> Bool {
        !text.isEmpty && text.count <= 64 && text.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_" || $0 == "-") }
    }
}
