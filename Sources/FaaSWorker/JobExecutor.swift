import FaaSCore
import Foundation

/// Runs one job by the function's language: JS and Python as a fresh interpreter process per
/// invocation, C and Rust as WebAssembly.
final class JobExecutor {
    private let options: WorkerOptions
    private let log: Logger
    private var metadataCache: [String: FunctionMetadata] = [:]
    private lazy var node: String? = Runtimes.which("node")
    private lazy var python: String? = options.python ?? Runtimes.resolvePython()

    private let wasm: WasmExecutor

    init(options: WorkerOptions, log: Logger) {
        self.options = options
        self.log = log
        self.wasm = WasmExecutor(options: options, log: log)
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
        case .js:
            guard let node else { return .failure(id: job.id, .noEngine, "node is not installed on this host") }
            return runScript(job, metadata, executable: node, arguments: [], payload: payload, timeout: timeout)
        case .python:
            guard let python else { return .failure(id: job.id, .noEngine, "python3 is not installed on this host") }
            return runScript(job, metadata, executable: python, arguments: ["-I"], payload: payload, timeout: timeout)
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

    private func runScript(_ job: JobMessage, _ metadata: FunctionMetadata, executable: String, arguments: [String],
                           payload: [UInt8], timeout: Double) -> ResultMessage {
        let directory = directory(of: metadata)
        var request = SpawnRequest(executable: executable, arguments: arguments + ["\(directory)/\(metadata.language.sourceFile)"],
                                   environment: ["PATH": "/usr/local/bin:/usr/bin:/bin", "HOME": "/tmp", "LANG": "C.UTF-8",
                                                 "PYTHONDONTWRITEBYTECODE": "1"])
        request.workingDirectory = "/tmp"
        let result: Subprocess.Result
        do {
            result = try Subprocess.run(request, input: payload, timeout: timeout, outputCap: options.outputCap)
        } catch {
            return .failure(id: job.id, .internal, "cannot start \(executable): \(error)")
        }
        if result.timedOut {
            return .failure(id: job.id, .timeout, "timed out after \(timeout) s")
        }
        if result.outputTooLarge {
            return .failure(id: job.id, .failed, "output exceeds the \(options.outputCap)-byte limit")
        }
        guard let status = result.status, status.isSuccess else {
            let stderr = String(decoding: result.standardError, as: UTF8.self)
            let why = result.status?.description ?? "unknown status"
            return .failure(id: job.id, .failed, stderr.isEmpty ? "function failed: \(why)" : "function failed (\(why)): \(stderr)")
        }
        return .success(id: job.id, output: result.standardOutput)
    }
}
