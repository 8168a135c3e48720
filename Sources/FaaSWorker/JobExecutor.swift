import FaaSCore
import Foundation

/// Runs one job by the function's language: JS and Python in their sandboxes
/// (`InterpreterHost`), C and Rust as WebAssembly in this process (`WasmExecutor`).
final class JobExecutor {
    private let options: WorkerOptions
    private let log: Logger
    private var metadataCache: [String: FunctionMetadata] = [:]

    private let wasm: WasmExecutor
    private let interpreters: InterpreterHost?
    private var interpreterSetupError: String?

    init(options: WorkerOptions, log: Logger) {
        self.options = options
        self.log = log
        self.wasm = WasmExecutor(options: options, log: log)
        do {
            interpreters = try InterpreterHost(options: options, log: log)
        } catch {
            interpreters = nil
            interpreterSetupError = "\(error)"
            log.error("cannot set up function runtimes", ["error": error])
        }
    }

    func run(_ job: JobMessage) -> ResultMessage {
        guard let payload = job.payloadBytes else {
            return .failure(id: job.id, .badRequest, "payload is not valid base64")
        }
        let metadata: FunctionMetadata
        do {
            metadata = try loadMetadata(job.fn)
        } catch StoreError.notFound {
            return .failure(id: job.id, .notFound, "function not found: \(job.fn)")
        } catch {
            return .failure(id: job.id, .internal, "cannot load function \(job.fn): \(error)")
        }
        let timeout = job.timeout ?? metadata.timeout ?? options.defaultTimeout
        switch metadata.language {
        case .js, .python:
            guard let interpreters else {
                return .failure(id: job.id, .internal, "cannot set up function runtimes: \(interpreterSetupError ?? "unknown error")")
            }
            return interpreters.run(job, metadata, directory: directory(of: metadata), payload: payload, timeout: timeout)
        case .c, .rust:
            return wasm.run(job, metadata, directory: directory(of: metadata), payload: payload)
        }
    }

    private func loadMetadata(_ id: String) throws -> FunctionMetadata {
        if let cached = metadataCache[id] { return cached }
        let metadata = try FunctionStore.loadMetadata(root: options.functionsDirectory, id: id)
        metadataCache[id] = metadata
        return metadata
    }

    private func directory(of metadata: FunctionMetadata) -> String {
        "\(options.functionsDirectory)/\(metadata.id)"
    }
}
