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
        /// `&mode`; nil: decided from the source (`DeployPlan`).
        var mode: FunctionMode?
        /// Who may call it without a key; nil on an update: as the previous version.
        var access: FunctionAccess? = nil
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
        let plan: DeployPlan
        switch DeployPlan.decide(language: request.language, requested: request.mode, entrypoint: request.entrypoint, source: request.source) {
        case .success(let decided): plan = decided
        case .failure(let failure): return completion(.failure(failure))
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
        // Succeeds with the compiled module's file name (C, C++, Rust) or nil (JS, Python, Go).
        let finish: (Result<String?, Failure>) -> Void = { [unowned self] outcome in
            switch outcome {
            case .failure(let failure):
                self.reserved.remove(request.name)
                self.store.discard(staged)
                completion(.failure(failure))
            case .success(let wasm):
                // Four fsyncs under a blocking flock: on the blocking-work thread, so a slow
                // disk never freezes HTTP. The name stays reserved until the answer is back.
                let (store, name, timeout, memory, update) = (self.store, request.name, request.timeout, request.memory, request.update)
                let access = request.access ?? FunctionAccess(existing)
                self.loop.runBlocking({ () -> Result<FunctionMetadata, any Error> in
                    do {
                        return .success(try store.publish(staged, name: name, entrypoint: plan.entrypoint, mode: plan.mode,
                                                          wasm: wasm, timeout: timeout, memory: memory, update: update) { metadata in
                            access.apply(to: &metadata)
                        })
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
        if request.language.compilesToNative {
            return buildNative(request, staged, plan.mode, finish)
        }
        guard request.language.compilesToWasm else {
            finish(.success(nil))
            return
        }
        compile(request, staged, plan.wasmBuild, finish)
    }

    /// Go: `go build` in the compiler sandbox (`GoBuild`); the executable is the artifact. The
    /// build folder (module files, cache) goes before publishing: only the source and `code` stay.
    private func buildNative(_ request: Request, _ staged: StagedFunction, _ mode: FunctionMode,
                             _ finish: @escaping (Result<String?, Failure>) -> Void) {
        let build = GoBuild(staged: staged, mode: mode, sandbox: options.sandbox)
        let spawn: SpawnRequest
        do {
            guard access(options.go, X_OK) == 0 else {
                throw WasmToolchain.ToolchainError.missing("no go command at \(options.go) (Debian golang-go; set --go / FAAS_GO)")
            }
            try build.writeFiles(source: request.source)
            let environment = build.environment
            let sandboxed = try build.policy(options).command(program: build.arguments(go: options.go), environment: environment)
            spawn = SpawnRequest(executable: sandboxed.executable, arguments: sandboxed.arguments, environment: environment)
        } catch let error as SandboxError {
            return finish(.failure(Failure(status: .serviceUnavailable, message: "cannot compile: \(error)")))
        } catch {
            return finish(.failure(Failure(status: .serviceUnavailable, message: "the go toolchain is not available: \(error)")))
        }
        let started = EventLoop.now()
        do {
            try ToolRun.start(spawn, timeout: options.compileTimeout, loop: loop) { [unowned self] outcome in
                // Diagnostics name the files as the user knows them: code.go, not the module's layout.
                let diagnostics = Self.diagnostics(outcome.output, staged: staged)
                    .replacingOccurrences(of: build.inside + "/" + GoBuild.folder + "/", with: "")
                    .replacingOccurrences(of: mode == .handler ? "function/handler.go" : "main.go", with: staged.language.sourceFile)
                if outcome.timedOut {
                    return finish(.failure(Failure(status: .unprocessableContent, message: "compilation timed out after \(self.options.compileTimeout) s")))
                }
                guard outcome.status.isSuccess, access(build.binaryPath, X_OK) == 0 else {
                    return finish(.failure(Failure(status: .unprocessableContent, message: "compilation failed", details: diagnostics)))
                }
                self.log.info("compiled", ["name": request.name, "language": request.language.rawValue,
                                           "ms": Int((EventLoop.now() - started) * 1000)])
                let (folder, binary) = (build.buildDirectory, build.binaryPath)
                self.loop.runBlocking({ () -> Result<Void, any Error> in
                    // publish fsyncs the folder, not this file (its `wasm` is C's, C++'s and Rust's).
                    Result { try FileManager.default.removeItem(atPath: folder); try FunctionStore.syncFile(binary) }
                }, then: { removed in
                    switch removed {
                    case .success: finish(.success(nil))
                    case .failure(let error): finish(.failure(Failure(status: .internalServerError, message: "cannot store the function: \(error)")))
                    }
                })
            }
        } catch {
            finish(.failure(Failure(status: .serviceUnavailable, message: "cannot run the compiler: \(error)")))
        }
    }

    private func compile(_ request: Request, _ staged: StagedFunction, _ build: WasmInvocation.Mode,
                         _ finish: @escaping (Result<String?, Failure>) -> Void) {
        let sandboxed: (executable: String, arguments: [String])
        let environment = ["PATH": "/usr/bin:/bin", "HOME": "/tmp", "LANG": "C.UTF-8"]
        do {
            if !sysrootReady {
                try WasmToolchain.ensureSysroot(at: sysroot)
                sysrootReady = true
            }
            let command = try WasmToolchain.commands(language: request.language, build: build, source: staged.sourcePath,
                                                     output: staged.wasmPath, sysroot: sysroot, tools: options.toolchain)
            let policy = SandboxPolicy.compiler(mode: options.sandbox, tools: options.sandboxTools,
                                                toolchain: try options.toolchain.executables(language: request.language),
                                                sysroot: sysroot, staging: staged.directory, timeout: options.compileTimeout)
            sandboxed = try policy.command(program: [command.executable] + command.arguments, environment: environment)
        } catch let error as SandboxError {
            // Fails closed: compilers never run unconfined unless FAAS_SANDBOX=none says so.
            finish(.failure(Failure(status: .serviceUnavailable, message: "cannot compile: \(error)")))
            return
        } catch {
            finish(.failure(Failure(status: .serviceUnavailable, message: "the \(request.language.rawValue) toolchain is not available: \(error)")))
            return
        }
        let spawn = SpawnRequest(executable: sandboxed.executable, arguments: sandboxed.arguments, environment: environment)
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
                    self.precompile(staged, build, finish)
                }
            }
        } catch {
            finish(.failure(Failure(status: .serviceUnavailable, message: "cannot run the compiler: \(error)")))
        }
    }

    /// Asks `faas-worker --precompile` to check the module with the engine (its imports, its
    /// entry) and store it serialized, so a worker's first call skips compilation. No engine
    /// here refuses the deploy (503): an unchecked module is never stored.
    private func precompile(_ staged: StagedFunction, _ build: WasmInvocation.Mode, _ finish: @escaping (Result<String?, Failure>) -> Void) {
        var export = ""
        if case .export(let name) = build { export = name }
        // The same engine settings as the workers', so the prepared module loads there.
        var arguments = ["--precompile", staged.directory, "--entrypoint", export,
                         "--wasm-pooling", options.wasmPooling ? "on" : "off", "--log-level", "\(options.logLevel)"]
        if let library = options.wasmLibrary { arguments += ["--wasm-library", library] }
        do {
            let command = try options.sandboxTools.dieWithParent([options.workerPath] + arguments)
            let spawn = SpawnRequest(executable: command.executable, arguments: command.arguments, environment: ["HOME": "/tmp"])
            try ToolRun.start(spawn, timeout: 60, loop: loop) { outcome in
                let message = String(decoding: outcome.output, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
                switch outcome.status {
                case .exited(0):
                    finish(.success("code.wasm"))
                case .exited(WorkerExit.noEngine):
                    finish(.failure(Failure(status: .serviceUnavailable, message: "no wasm engine is loaded, so the module cannot be checked: \(message)")))
                default:
                    finish(.failure(Failure(status: .unprocessableContent, message: "the compiled module cannot run here", details: message)))
                }
            }
        } catch {
            finish(.failure(Failure(status: .serviceUnavailable, message: "cannot run the precompiler \(options.workerPath): \(error)")))
        }
    }

    /// Compiler output with the staging folder's path taken out: users see `code.c:3:5: error`.
    private static func diagnostics(_ output: [UInt8], staged: StagedFunction) -> String {
        String(decoding: output, as: UTF8.self).replacingOccurrences(of: staged.directory + "/", with: "")
    }
}
