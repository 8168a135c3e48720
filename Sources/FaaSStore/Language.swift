/// A function's source language, with the file extension the spec's layout uses.
public enum Language: String, Codable, Sendable, CaseIterable {
    case c
    case rust
    case js
    case python
    /// C++: compiled to WebAssembly against libc++, then exactly as C.
    case cpp
    /// Go: compiled natively at deploy, run in the sandbox like JS and Python.
    case go

    /// Accepts the spec's names and the obvious aliases users type (`parameterNames`).
    public init?(parameter: String) {
        let name = parameter.lowercased()
        guard let language = Language.allCases.first(where: { $0.parameterNames.contains(name) }) else { return nil }
        self = language
    }

    /// The names `&lang=` accepts for this language, its own name first.
    public var parameterNames: [String] {
        switch self {
        case .c: return ["c"]
        case .rust: return ["rust", "rs"]
        case .js: return ["js", "javascript", "node"]
        case .python: return ["python", "py", "python3"]
        case .cpp: return ["cpp", "cc", "c++", "cxx"]
        case .go: return ["go", "golang"]
        }
    }

    /// Every accepted name, for messages: `c, rust (rs), js (javascript, node) or python (py, python3)`.
    public static var parameterList: String {
        let names = allCases.map { language in
            language.parameterNames.count == 1 ? language.rawValue
                : "\(language.rawValue) (\(language.parameterNames.dropFirst().joined(separator: ", ")))"
        }
        return names.dropLast().joined(separator: ", ") + " or " + names.last!
    }

    /// The extensions of C++ sources. C and C++ bundles mix both kinds of file, each compiled as
    /// its extension says.
    public static let cxxExtensions = ["cpp", "cc", "cxx"]

    public static func isCxxSource(_ path: String) -> Bool {
        cxxExtensions.contains { path.hasSuffix(".\($0)") }
    }

    /// The extensions of the files a bundle of this language compiles or loads, the usual one first.
    public var sourceExtensions: [String] {
        switch self {
        case .python: return ["py"]
        case .js: return ["js", "cjs"]
        case .c: return ["c"] + Self.cxxExtensions
        case .cpp: return Self.cxxExtensions + ["c"]
        case .rust: return ["rs"]
        case .go: return ["go"]
        }
    }

    public var fileExtension: String {
        switch self {
        case .c: return "c"
        case .rust: return "rs"
        case .js: return "js"
        case .python: return "py"
        case .cpp: return "cpp"
        case .go: return "go"
        }
    }

    public var sourceFile: String { "code.\(fileExtension)" }

    /// C, C++ and Rust run as WebAssembly compiled at deploy time.
    public var compilesToWasm: Bool { self == .c || self == .cpp || self == .rust }

    /// Go is compiled at deploy time to a native executable (`nativeArtifact`), run in the
    /// sandbox as JS and Python are.
    public var compilesToNative: Bool { self == .go }

    /// The compiled executable's file name in the function's folder (Go).
    public static let nativeArtifact = "code"

}
