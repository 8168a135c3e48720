import FaaSSystem
import FaaSProtocol
import FaaSStore
import FaaSSandbox
import FaaSWasm
import Foundation
import Glibc

/// Runs C and Rust functions as WebAssembly in this process: the engine is loaded once, each
/// function's module is loaded once (from its prepared, serialized form when there is one), and
/// every call gets a fresh store and instance.
final class WasmExecutor {
    private let options: WorkerOptions
    private let log: Logger
    private var engineResult: Result<WasmEngine, Error>?
    private var modules: [String: WasmModule] = [:]
    /// Loaded modules kept at most; beyond, the cache starts over (modules are cheap to reload).
    private let moduleCacheLimit = 512

    init(options: WorkerOptions, log: Logger) {
        self.options = options
        self.log = log
    }

    /// The engine, loaded on first use; the failure is remembered so a host without one answers
    /// quickly and clearly every time.
    func engine() throws -> WasmEngine {
        if let engineResult { return try engineResult.get() }
        let result = Result { try WasmEngine(libraryPath: options.wasmLibrary, pooling: options.wasmPooling) }
        engineResult = result
        if case .failure(let error) = result { log.warn("no wasm engine", ["error": error]) }
        return try result.get()
    }

    /// Runs one call. With wasmtime's own API the engine stops a call past `timeout` itself and
    /// this worker answers; with the standard API the server kills the worker instead.
    func run(_ job: JobMessage, _ metadata: FunctionMetadata, directory: String, payload: [UInt8], timeout: Double) -> ResultMessage {
        let engine: WasmEngine
        do { engine = try self.engine() } catch {
            return .failure(id: job.id, .noEngine, "\(error)")
        }
        let module: WasmModule
        do {
            module = try load(metadata, directory: directory, engine: engine)
        } catch {
            return .failure(id: job.id, .internal, "cannot load the function's module: \(error)")
        }
        var invocation = WasmInvocation(mode: WasmInvocation.Mode(metadata.mode, entrypoint: metadata.entrypoint), programName: metadata.name, stdin: payload, outputCap: options.outputCap)
        invocation.environment = metadata.env ?? [:]
        invocation.memoryLimit = (job.memory ?? metadata.memory ?? options.defaultMemory) << 20
        invocation.timeout = timeout
        switch engine.run(module, invocation) {
        case .success(let output, let stderr):
            var result = ResultMessage.success(id: job.id, output: output)
            result.log = Self.log(stderr)
            return result
        case .failure(let error, let stderr, let kind):
            var result = failure(job, error: error, stderr: stderr, kind: kind, timeout: timeout)
            result.log = Self.log(stderr)
            return result
        }
    }

    /// What the program wrote to WASI fd 2, as the call's log lines (`stderr TEXT`).
    static func log(_ stderr: [UInt8]) -> String? {
        guard !stderr.isEmpty else { return nil }
        var lines = String(decoding: stderr, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false)
        if lines.last?.isEmpty == true { lines.removeLast() }
        return lines.map { "stderr \($0)\n" }.joined()
    }

    private func failure(_ job: JobMessage, error: String, stderr: [UInt8], kind: WasmFailureKind, timeout: Double) -> ResultMessage {
        let detail = stderr.isEmpty ? error : "\(error): \(String(decoding: stderr, as: UTF8.self))"
        switch kind {
        case .badArguments: return .failure(id: job.id, .badRequest, detail)
        case .outputTooLarge: return .failure(id: job.id, .failed, "output exceeds the \(options.outputCap)-byte limit")
        case .timeout: return .failure(id: job.id, .timeout, "timed out after \(timeout) s")
        case .trap, .exit, .instantiation, .memoryLimit: return .failure(id: job.id, .failed, detail)
        }
    }

    func forget(_ id: String) {
        modules.removeValue(forKey: id)
    }

    private func load(_ metadata: FunctionMetadata, directory: String, engine: WasmEngine) throws -> WasmModule {
        if let module = modules[metadata.id] { return module }
        let module = try Self.loadModule(directory: directory, wasm: metadata.wasm ?? "code.wasm", engine: engine, log: log)
        if modules.count >= moduleCacheLimit { modules.removeAll(keepingCapacity: true) }
        modules[metadata.id] = module
        return module
    }

    static func preparedPath(directory: String, engine: WasmEngine) -> String {
        "\(directory)/code.\(engine.engineName).cwasm"
    }

    /// The prepared module if there is one the engine accepts, else a compile of `code.wasm`.
    static func loadModule(directory: String, wasm: String, engine: WasmEngine, log: Logger) throws -> WasmModule {
        let prepared = preparedPath(directory: directory, engine: engine)
        if let bytes = try? FileDescriptor.open(prepared, O_RDONLY).closeAfter({ try $0.readAll() }) {
            do { return try engine.deserialize(bytes) } catch {
                log.warn("prepared module unusable; compiling", ["path": prepared, "error": error])
            }
        }
        let bytes = try FileDescriptor.open("\(directory)/\(wasm)", O_RDONLY).closeAfter { try $0.readAll() }
        return try engine.compile(bytes)
    }

    /// `faas-worker --precompile DIR`: checks that `DIR/code.wasm` can run here and stores its
    /// serialized form beside it. Exit codes: `WorkerExit`.
    static func precompile(directory: String, entrypoint: String?, options: WorkerOptions) -> Int32 {
        let log = Logger(daemon: "precompile", level: options.logLevel)
        let engine: WasmEngine
        do { engine = try WasmEngine(libraryPath: options.wasmLibrary, pooling: options.wasmPooling) } catch {
            print("\(error)")
            return WorkerExit.noEngine
        }
        log.debug("engine loaded", ["library": engine.libraryPath])
        do {
            let bytes = try FileDescriptor.open("\(directory)/code.wasm", O_RDONLY).closeAfter { try $0.readAll() }
            let module = try engine.compile(bytes)
            if !module.unsupportedImports.isEmpty {
                print("the module imports functions this platform does not provide: \(module.unsupportedImports.joined(separator: ", "))")
                return WorkerExit.rejected
            }
            if let entrypoint, !entrypoint.isEmpty {
                guard module.exportNames.contains(entrypoint) else {
                    print("the module exports no function \(entrypoint.debugDescription) (exports: \(module.exportNames.joined(separator: ", ")))")
                    return WorkerExit.rejected
                }
            } else if !module.hasCommandEntry {
                print("the module has no _start: build it with a main function, or deploy with &entrypoint=NAME")
                return WorkerExit.rejected
            }
            if let serialized = engine.serialize(module) {
                let path = preparedPath(directory: directory, engine: engine)
                let temporary = path + ".tmp"
                let fd = try FileDescriptor.open(temporary, O_WRONLY | O_CREAT | O_TRUNC, mode: 0o644)
                try fd.closeAfter { fd in
                    try fd.writeAll(serialized)
                    try syscall("fsync") { fsync(fd.rawValue) }
                }
                try syscall("rename") { rename(temporary, path) }
            }
            return WorkerExit.ok
        } catch {
            log.debug("precompile failed: \(error)")
            print("\(error)")
            return WorkerExit.rejected
        }
    }
}
