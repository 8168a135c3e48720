/// A function's source language, with the file extension the spec's layout uses.
public enum Language: String, Codable, Sendable, CaseIterable {
    case c
    case rust
    case js
    case python

    /// Accepts the spec's names and the obvious aliases users type.
    public init?(parameter: String) {
        switch parameter.lowercased() {
        case "c": self = .c
        case "rust", "rs": self = .rust
        case "js", "javascript", "node": self = .js
        case "python", "py", "python3": self = .python
        default: return nil
        }
    }

    public var fileExtension: String {
        switch self {
        case .c: return "c"
        case .rust: return "rs"
        case .js: return "js"
        case .python: return "py"
        }
    }

    public var sourceFile: String { "code.\(fileExtension)" }

    /// C and Rust run as WebAssembly compiled at deploy time.
    public var compilesToWasm: Bool { self == .c || self == .rust }
}
