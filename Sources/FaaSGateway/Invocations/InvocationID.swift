import Foundation

/// Invocation ids: `inv_` + this process's random 8 hex + a counter, unique across restarts
/// without a syscall per id (the hot path of sync invokes makes one per call).
struct InvocationIDs {
    private let prefix: String
    private var counter: UInt64 = 0

    init() {
        var generator = SystemRandomNumberGenerator()
        prefix = "inv_" + String(format: "%012llx", generator.next() & 0xffff_ffff_ffff) + "_"
    }

    mutating func next() -> String {
        counter += 1
        return prefix + String(counter, radix: 16)
    }

    /// What an id may look like in a URL (checked before a lookup).
    static func isValid(_ text: String) -> Bool {
        !text.isEmpty && text.count <= 64 && text.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_" || $0 == "-") }
    }
}
