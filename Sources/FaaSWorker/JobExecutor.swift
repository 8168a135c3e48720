import FaaSSystem
import FaaSProtocol
import FaaSStore
import FaaSSandbox
import FaaSWasm
import Foundation

/// Runs one job by the function's language: JS, Python and Go in their sandboxes
/// (`InterpreterHost`), C, C++ and Rust as WebAssembly in this process (`WasmExecutor`).
final class JobExecutor {
    private let options: WorkerOptions
    private let log: Logger
    /// Metadata per id, with the identity of the metadata file it came from: an id deleted and
    /// deployed again within one second is a new file, and everything cached for it is dropped.
    private var metadataCache: [String: (metadata: FunctionMetadata, identity: FileIdentity)] = [:]

    private let wasm: WasmExecutor
    private let interpreters: InterpreterHost?
    private var interpreterSetupError: String?

    init(options: WorkerOptions, log: Logger, loop: EventLoop) {
        self.options = options
        self.log = log
        self.wasm = WasmExecutor(options: options, log: log)
        do {
            interpreters = try InterpreterHost(options: options, log: log, loop: loop)
        } catch {
            interpreters = nil
            interpreterSetupError = "\(error)"
            log.error("cannot set up function runtimes", ["error": error])
        }
    }

    /// Runs one job; `completion` gets its result on the loop: at once for WebAssembly (a call
    /// runs to its end in this thread) and early failures, when the runtime answers for JS and
    /// Python.
    func run(_ job: JobMessage, completion: @escaping (ResultMessage) -> Void) {
        guard let payload = job.payload else {
            return completion(.failure(id: job.id, .badRequest, "payload is not valid base64"))
        }
        let metadata: FunctionMetadata
        do {
            metadata = try loadMetadata(job.fn)
        } catch StoreError.notFound {
            return completion(.failure(id: job.id, .notFound, "function not found: \(job.fn)"))
        } catch {
            return completion(.failure(id: job.id, .internal, "cannot load function \(job.fn): \(error)"))
        }
        let timeout = job.timeout ?? metadata.timeout ?? options.defaultTimeout
        switch metadata.language {
        case .js, .python, .go:
            guard let interpreters else {
                return completion(.failure(id: job.id, .internal, "cannot set up function runtimes: \(interpreterSetupError ?? "unknown error")"))
            }
            interpreters.run(job, metadata, directory: directory(of: metadata), payload: payload, timeout: timeout, completion: completion)
        case .c, .cpp, .rust:
            completion(wasm.run(job, metadata, directory: directory(of: metadata), payload: payload, timeout: timeout))
        }
    }

    /// Loads what the first WebAssembly call would otherwise pay for (the engine library) before
    /// any job arrives, so a function's first invoke is as fast as the next ones.
    func warmUp() {
        _ = try? wasm.engine()
    }

    /// Called when no job came for a while.
    func idle() {
        interpreters?.evictIdle(idleSeconds: options.runtimeIdleSeconds)
    }

    private func loadMetadata(_ id: String) throws -> FunctionMetadata {
        guard FunctionName.isValidID(id) else { throw StoreError.notFound(id) }
        let path = "\(options.functionsDirectory)/\(id)/metadata.json"
        guard let identity = FileIdentity(path: path) else {
            forget(id)
            throw StoreError.notFound(id)
        }
        if let cached = metadataCache[id] {
            if cached.identity == identity { return cached.metadata }
            forget(id)
        }
        let metadata = try FunctionStore.loadMetadata(root: options.functionsDirectory, id: id)
        if metadataCache.count > 10_000 { metadataCache.removeAll(keepingCapacity: true) }
        metadataCache[id] = (metadata, identity)
        return metadata
    }

    private func forget(_ id: String) {
        guard metadataCache.removeValue(forKey: id) != nil else { return }
        wasm.forget(id)
        interpreters?.forget(id)
    }

    private func directory(of metadata: FunctionMetadata) -> String {
        "\(options.functionsDirectory)/\(metadata.id)"
    }
}
