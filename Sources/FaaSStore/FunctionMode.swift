/// How a function runs: `mode` in its metadata.json and in deploy answers, `&mode=` on deploy,
/// and the runtimes' first argument (`Sources/FaaSWorker/Runtime/README.md`).
public enum FunctionMode: String, Sendable, CaseIterable {
    /// A program per call: the payload on stdin, the output on stdout. JS and Python scripts;
    /// C and Rust with `main`, as WASI commands. Also accepted as `script`.
    case command
    /// JS and Python: the module is loaded once and its handler called per request. Go: the
    /// OpenFaaS golang-http `Handle`, built with our shim into a warm process.
    case handler
    /// C, C++ and Rust: the `entrypoint` export is called with numeric arguments from the payload.
    case export

    /// The other spelling of `command` that `&mode=` accepts (and old metadata may carry).
    public static let commandAlias = "script"

    /// `&mode=` as the user typed it: a mode's name (any case), or `script` for `command`.
    public init?(parameter: String) {
        let name = parameter.lowercased()
        if name == Self.commandAlias { self = .command; return }
        guard let mode = FunctionMode(rawValue: name) else { return nil }
        self = mode
    }

    /// The modes a language can run in.
    public static func modes(of language: Language) -> [FunctionMode] {
        language.compilesToWasm ? [.command, .export] : [.command, .handler]
    }
}

extension FunctionMode: Codable {
    public init(from decoder: Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let mode = FunctionMode(parameter: text) else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "unknown function mode \(text.debugDescription)"))
        }
        self = mode
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }
}
