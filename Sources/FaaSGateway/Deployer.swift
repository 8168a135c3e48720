import FaaSSystem
import FaaSProtocol
import FaaSHTTP
import FaaSStore
import FaaSSandbox
import FaaSWasm
import Foundation
import Glibc

/// The deploy pipeline: validate, stage the source, compile C and Rust to WebAssembly (off the
/// event loop, under a time limit), prepare the compiled module for fast loading, then publish
/// atomically. Nothing is stored unless every step succeeded.
final class Deployer {
    struct Request {
        var name: String
        var language: Language
        var source: [UInt8]
        var entrypoint: String?
        var timeout: Double?
        var memory: Int?
        var update: Bool
        /// `handler` or `script` for JS/Python; nil: detected from the source.
        var mode: String?
    }

    struct Failure: Error {
        let status: HTTPStatus
        let message: String
        var details: String?
    }

    private let options: GatewayOptions
    private let store: FunctionStore
    private let loop: EventLoop
    private let log: Logger
    /// Names with a deploy under way in this gateway: a second one is refused at once (409)
    /// instead of compiling for nothing.
    private var reserved: Set<String> = []
    /// The wasm sysroot (a folder of links) is checked once per gateway, not per deploy.
    private var sysrootReady = false
    private var sysroot: String { store.root + "/.sysroot" }

    init(options: GatewayOptions, store: FunctionStore, loop: EventLoop, log: Logger) {
        self.options = options
        self.store = store
        self.loop = loop
        self.log = log
    }

    func deploy(_ request: Request, completion: @escaping (Result<FunctionMetadata, Failure>) -> Void) {
        let existing = store.latest(name: request.name)
        if reserved.contains(request.name) || (!request.update && (existing != nil || store.function(id: request.name) != nil)) {
            completion(.failure(Failure(status: .conflict, message: "a function named \(request.name.debugDescription) already exists")))
            return
        }
        if request.update && existing == nil {
            completion(.failure(Failure(status: .notFound, message: "no function named \(request.name.debugDescription) to update")))
            return
        }
        if request.source.isEmpty {
            completion(.failure(Failure(status: .badRequest, message: "the request body (the function's source) is empty")))
            return
        }
        let staged: StagedFunction
        do {
            staged = try store.stage(language: request.language, source: request.source)
        } catch {
            log.error("cannot stage function", ["name": request.name, "error": error])
            completion(.failure(Failure(status: .internalServerError, message: "cannot store the function: \(error)")))
            return
        }
        reserved.insert(request.name)
        let finish: (Result<(mode: String, entrypoint: String, wasm: String?), Failure>) -> Void = { [unowned self] outcome in
            switch outcome {
            case .failure(let failure):
                self.reserved.remove(request.name)
                self.store.discard(staged)
                completion(.failure(failure))
            case .success(let built):
                // Four fsyncs under a blocking flock: on the blocking-work thread, so a slow
                // disk never freezes HTTP. The name stays reserved until the answer is back.
                let (store, name, timeout, memory, update) = (self.store, request.name, request.timeout, request.memory, request.update)
                self.loop.runBlocking({ () -> Result<FunctionMetadata, any Error> in
                    do {
                        return .success(try store.publish(staged, name: name, entrypoint: built.entrypoint, mode: built.mode,
                                                          wasm: built.wasm, timeout: timeout, memory: memory, update: update))
                    } catch {
                        store.discard(staged)
                        return .failure(error)
                    }
                }, then: { [unowned self] published in
                    self.reserved.remove(name)
                    switch published {
                    case .success(let metadata):
                        completion(.success(metadata))
                    case .failure(StoreError.duplicateName(let name)):
                        completion(.failure(Failure(status: .conflict, message: "a function named \(name.debugDescription) already exists")))
                    case .failure(StoreError.notFound(let name)):
                        completion(.failure(Failure(status: .notFound, message: "no function named \(name.debugDescription) to update")))
                    case .failure(let error):
                        self.log.error("cannot publish function", ["name": name, "error": error])
                        completion(.failure(Failure(status: .internalServerError, message: "cannot store the function: \(error)")))
                    }
                })
            }
        }
        guard request.language.compilesToWasm else {
            let handler = request.mode.map { $0 == "handler" } ?? Self.looksLikeHandler(request.source, request.language)
            finish(.success((mode: handler ? "handler" : "command", entrypoint: handler ? "handler" : "main", wasm: nil)))
            return
        }
        compile(request, staged, finish)
    }

    private func compile(_ request: Request, _ staged: StagedFunction,
                         _ finish: @escaping (Result<(mode: String, entrypoint: String, wasm: String?), Failure>) -> Void) {
        let text = String(decoding: request.source, as: UTF8.self)
        let hasMain = request.language == .c ? WasmToolchain.cHasMain(text) : WasmToolchain.rustHasMain(text)
        let entrypoint: String
        if hasMain && request.entrypoint == nil {
            entrypoint = "main"
        } else if let requested = request.entrypoint {
            entrypoint = requested
        } else {
            finish(.failure(Failure(status: .badRequest, message: "a \(request.language.rawValue) source without main needs &entrypoint=NAME, the export to call")))
            return
        }
        let mode = entrypoint == "main" && hasMain ? "command" : "export"
        let command: (executable: String, arguments: [String])
        do {
            if !sysrootReady {
                try WasmToolchain.ensureSysroot(at: sysroot)
                sysrootReady = true
            }
            command = try WasmToolchain.commands(language: request.language.rawValue, source: staged.sourcePath, output: staged.wasmPath,
                                                 entrypoint: mode == "export" ? entrypoint : nil, sysroot: sysroot)
        } catch {
            finish(.failure(Failure(status: .serviceUnavailable, message: "the \(request.language.rawValue) toolchain is not available: \(error)")))
            return
        }
        let sandboxed = CompileSandbox.wrap(command, staging: staged.directory, sysroot: sysroot, timeout: options.compileTimeout)
        let spawn = SpawnRequest(executable: sandboxed.executable, arguments: sandboxed.arguments,
                                 environment: ["PATH": "/usr/bin:/bin:/opt/swift/usr/bin", "HOME": "/tmp", "LANG": "C.UTF-8"])
        let started = EventLoop.now()
        do {
            try ToolRun.start(spawn, timeout: options.compileTimeout, loop: loop) { [unowned self] outcome in
                let diagnostics = Self.diagnostics(outcome.output, staged: staged)
                if outcome.timedOut {
                    finish(.failure(Failure(status: .unprocessableContent, message: "compilation timed out after \(self.options.compileTimeout) s")))
                } else if !outcome.status.isSuccess || access(staged.wasmPath, F_OK) != 0 {
                    finish(.failure(Failure(status: .unprocessableContent, message: "compilation failed", details: diagnostics)))
                } else {
                    self.log.info("compiled", ["name": request.name, "language": request.language.rawValue,
                                               "ms": Int((EventLoop.now() - started) * 1000)])
                    self.precompile(staged, mode: mode, entrypoint: entrypoint, finish)
                }
            }
        } catch {
            finish(.failure(Failure(status: .serviceUnavailable, message: "cannot run the compiler: \(error)")))
        }
    }

    /// Asks `faas-worker --precompile` to validate the module with the engine and store it
    /// serialized, so a worker's first call skips compilation. No engine here is not fatal: the
    /// function deploys and its invokes say the engine is missing.
    private func precompile(_ staged: StagedFunction, mode: String, entrypoint: String,
                            _ finish: @escaping (Result<(mode: String, entrypoint: String, wasm: String?), Failure>) -> Void) {
        var arguments = ["--precompile", staged.directory, "--entrypoint", mode == "export" ? entrypoint : ""]
        if let library = options.wasmLibrary { arguments += ["--wasm-library", library] }
        // The same engine settings as the workers', so the prepared module loads there.
        var environment = ["HOME": "/tmp", "FAAS_MAX_MEMORY": String(options.maxMemory)]
        if let pooling = ProcessInfo.processInfo.environment["FAAS_WASM_POOLING"] { environment["FAAS_WASM_POOLING"] = pooling }
        let spawn = SpawnRequest(executable: options.workerPath, arguments: arguments, environment: environment)
        do {
            try ToolRun.start(spawn, timeout: 60, loop: loop) { [unowned self] outcome in
                let message = String(decoding: outcome.output, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
                switch outcome.status {
                case .exited(0):
                    finish(.success((mode: mode, entrypoint: entrypoint, wasm: "code.wasm")))
                case .exited(WorkerExit.noEngine):
                    self.log.warn("no wasm engine to precompile with; deploying the plain module", ["detail": message])
                    finish(.success((mode: mode, entrypoint: entrypoint, wasm: "code.wasm")))
                default:
                    finish(.failure(Failure(status: .unprocessableContent, message: "the compiled module cannot run here", details: message)))
                }
            }
        } catch {
            log.warn("cannot run the precompiler", ["error": error])
            finish(.success((mode: mode, entrypoint: entrypoint, wasm: "code.wasm")))
        }
    }

    /// A Python module defining `handler(...)` at top level, or a JS module assigning
    /// `module.exports` / `exports.handler`, is a handler; anything else is a stdin/stdout script.
    static func looksLikeHandler(_ source: [UInt8], _ language: Language) -> Bool {
        let text = String(decoding: source, as: UTF8.self)
        switch language {
        case .python:
            return text.range(of: #"(?m)^(async\s+)?def\s+handler\s*\("#, options: .regularExpression) != nil
        case .js:
            return text.range(of: #"(?m)^\s*(module\.exports\s*=|exports\.handler\s*=|module\.exports\.handler\s*=)"#, options: .regularExpression) != nil
        default:
            return false
        }
    }

    /// Compiler output with the staging folder's path taken out: users see `code.c:3:5: error`.
    private static func diagnostics(_ output: [UInt8], staged: StagedFunction) -> String {
        String(decoding: output, as: UTF8.self).replacingOccurrences(of: staged.directory + "/", with: "")
    }
}
