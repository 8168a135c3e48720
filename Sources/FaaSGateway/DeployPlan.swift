import FaaSHTTP
import FaaSStore
import FaaSWasm

/// How a deployed function runs, decided once, before anything is stored, from the request
/// (`&mode`, `&entrypoint`) and the source: the mode and entrypoint its metadata keeps, and for
/// C and Rust how the compiler links it. Nothing decides it again downstream.
struct DeployPlan: Equatable {
    var mode: FunctionMode
    var entrypoint: String

    /// C, C++ and Rust: a WASI command (`_start` runs `main`) or a module whose export is called.
    var wasmBuild: WasmInvocation.Mode { WasmInvocation.Mode(mode, entrypoint: entrypoint) }

    /// - Parameters:
    ///   - requested: `&mode`, already parsed; nil to decide from the source.
    ///   - entrypoint: `&entrypoint`, already validated as a name: the export for C, C++ and
    ///     Rust, the handler's function for JS and Python.
    static func decide(language: Language, requested: FunctionMode?, entrypoint: String?, source: [UInt8]) -> Result<DeployPlan, Deployer.Failure> {
        if let requested, !FunctionMode.modes(of: language).contains(requested) {
            return .failure(badRequest("\(language.rawValue) functions run as \(names(of: language)); \(requested.rawValue) is not one of them"))
        }
        return language.compilesToWasm
            ? decideWasm(language: language, requested: requested, entrypoint: entrypoint, source: source)
            : decideInterpreted(language: language, requested: requested, entrypoint: entrypoint, source: source)
    }

    /// `command (alias script) or handler`, for messages.
    static func names(of language: Language) -> String {
        FunctionMode.modes(of: language).map { $0 == .command ? "command (alias \(FunctionMode.commandAlias))" : $0.rawValue }
            .joined(separator: " or ")
    }

    private static func decideInterpreted(language: Language, requested: FunctionMode?, entrypoint: String?,
                                          source: [UInt8]) -> Result<DeployPlan, Deployer.Failure> {
        if language == .go { return decideGo(requested: requested, source: source) }
        // An explicit entry point: a handler calling that function.
        if let entrypoint {
            if requested == .command {
                return .failure(badRequest("mode=command runs the file as a program; &entrypoint=\(entrypoint) names a handler (use mode=handler, or drop &entrypoint)"))
            }
            // `handler` also names what module.exports holds.
            guard HandlerDetection.mentions(entrypoint, source, language) || HandlerDetection.anyEntry(source, language) == entrypoint else {
                return .failure(Deployer.Failure(status: .unprocessableContent,
                                                 message: "&entrypoint=\(entrypoint), but the source defines no \(entrypoint)"))
            }
            return .success(DeployPlan(mode: .handler, entrypoint: entrypoint))
        }
        switch requested {
        case .command?:
            return .success(DeployPlan(mode: .command, entrypoint: "main"))
        case .handler?:
            guard let name = HandlerDetection.anyEntry(source, language) else {
                return .failure(Deployer.Failure(status: .unprocessableContent,
                                                 message: "mode=handler, but the source defines no handler: looked for \(HandlerDetection.lookedFor(language))"))
            }
            return .success(DeployPlan(mode: .handler, entrypoint: name))
        default:
            switch HandlerDetection.find(source, language) {
            case .entry(let name):
                return .success(DeployPlan(mode: .handler, entrypoint: name))
            case .program:
                return .success(DeployPlan(mode: .command, entrypoint: "main"))
            case .noEntry(let candidates):
                // Run as a program it would answer an empty output every time: never a silent success.
                return .failure(Deployer.Failure(status: .unprocessableContent, message:
                    "the source defines \(candidates.joined(separator: ", ")) but prints nothing as a program and has no entry point of a known "
                    + "convention (looked for \(HandlerDetection.lookedFor(language))): name the handler with &entrypoint=NAME"))
            }
        }
    }

    /// Go: the package says which form it is; a command must be `package main`.
    private static func decideGo(requested: FunctionMode?, source: [UInt8]) -> Result<DeployPlan, Deployer.Failure> {
        let found = HandlerDetection.definesHandler(source, .go)
        if (requested ?? (found ? .handler : .command)) == .command, !HandlerDetection.isGoCommand(source) {
            return .failure(Deployer.Failure(status: .unprocessableContent,
                                             message: "a go function is package main (a command) or package function with \(HandlerDetection.lookedFor(.go)) (a handler)"))
        }
        switch requested ?? (found ? .handler : .command) {
        case .handler:
            guard found else {
                return .failure(Deployer.Failure(status: .unprocessableContent,
                                                 message: "mode=handler, but the source defines no handler: looked for \(HandlerDetection.lookedFor(.go))"))
            }
            return .success(DeployPlan(mode: .handler, entrypoint: "handler"))
        default:
            return .success(DeployPlan(mode: .command, entrypoint: "main"))
        }
    }

    private static func decideWasm(language: Language, requested: FunctionMode?, entrypoint: String?, source: [UInt8]) -> Result<DeployPlan, Deployer.Failure> {
        let text = String(decoding: source, as: UTF8.self)
        let hasMain = language == .rust ? WasmToolchain.rustHasMain(text) : WasmToolchain.cHasMain(text)
        switch requested {
        case .command:
            guard hasMain else {
                return .failure(Deployer.Failure(status: .unprocessableContent,
                                                 message: "mode=command runs main, and the \(language.rawValue) source defines none"))
            }
            if let entrypoint, entrypoint != "main" {
                return .failure(badRequest("mode=command runs main; &entrypoint=\(entrypoint) names an export (use mode=export, or drop &entrypoint)"))
            }
            return .success(DeployPlan(mode: .command, entrypoint: "main"))
        case .export:
            guard let entrypoint else {
                return .failure(badRequest("mode=export needs &entrypoint=NAME, the export to call"))
            }
            return .success(DeployPlan(mode: .export, entrypoint: entrypoint))
        case nil, .handler:  // (handler was refused above)
            // An entrypoint other than main asks for that export, main or not.
            switch (entrypoint, hasMain) {
            case (nil, true), ("main", true):
                return .success(DeployPlan(mode: .command, entrypoint: "main"))
            case (let name?, _):
                return .success(DeployPlan(mode: .export, entrypoint: name))
            case (nil, false):
                return .failure(badRequest("a \(language.rawValue) source without main needs &entrypoint=NAME, the export to call"))
            }
        }
    }

    private static func badRequest(_ message: String) -> Deployer.Failure {
        Deployer.Failure(status: .badRequest, message: message)
    }
}
