import FaaSSystem
import FaaSProtocol
import FaaSStore
import FaaSSandbox
import FaaSWasm

public struct WorkerOptions: Sendable {
    public var functionsDirectory: String
    public var wasmLibrary: String?
    public var workerID: Int
    public var defaultTimeout: Double
    /// MiB, for a job that carries no memory limit of its own.
    public var defaultMemory: Int
    public var outputCap: Int
    /// The real python3 binary (not a pyenv shim); resolved once by the server.
    public var python: String?
    public var logLevel: Logger.Level
    /// Seconds a warm runtime (handler, zygote, JS context host) is kept without calls.
    public var runtimeIdleSeconds: Double
    public var sandbox: SandboxMode
    /// Set for `--precompile DIR`: prepare that function's module and exit.
    public var precompile: String?
    public var entrypoint: String?

    static let workerIDSetting = Setting("worker-id", env: "FAAS_WORKER_ID", default: "0", help: "this worker's slot number")
    static let outputCapSetting = Setting("output-cap", env: "FAAS_OUTPUT_CAP", default: "1048576", help: "largest output (stdout, stderr) a function may produce, bytes")
    static let pythonSetting = Setting("python", env: "FAAS_PYTHON", default: "", help: "python3 interpreter to run Python functions with")
    static let precompileSetting = Setting("precompile", env: "FAAS_PRECOMPILE", default: "", help: "prepare DIR/code.wasm for fast loading, then exit (used by the gateway at deploy)")
    static let entrypointSetting = Setting("entrypoint", env: "FAAS_ENTRYPOINT", default: "", help: "with --precompile: the export the function is called through")
    static let sandboxSetting = Setting("sandbox", env: "FAAS_SANDBOX", default: "bwrap", help: "bwrap (isolate JS/Python functions) or none")
    static let runtimeIdleSetting = Setting("runtime-idle", env: "FAAS_RUNTIME_IDLE", default: "120", help: "seconds a warm JS/Python runtime is kept without calls")
    static let known = [sandboxSetting, runtimeIdleSetting, precompileSetting, entrypointSetting, CommonSettings.functionsDir, CommonSettings.wasmLibrary, workerIDSetting, CommonSettings.timeout, CommonSettings.memory,
                        outputCapSetting, pythonSetting, CommonSettings.logLevel]

    public init(arguments: [String], environment: [String: String]) throws {
        let settings = try Settings(arguments: arguments, environment: environment, known: Self.known, program: "faas-worker")
        functionsDirectory = settings.string(CommonSettings.functionsDir)
        let library = settings.string(CommonSettings.wasmLibrary)
        wasmLibrary = library.isEmpty ? nil : library
        workerID = try settings.integer(Self.workerIDSetting, in: 0...1_000_000)
        defaultTimeout = try settings.number(CommonSettings.timeout, in: 0.001...86_400)
        defaultMemory = try settings.integer(CommonSettings.memory, in: 1...1_048_576)
        // The output travels in one JSON line (at most 8/3 of its size) under the protocol's line limit.
        outputCap = try settings.integer(Self.outputCapSetting, in: 1...(WireProtocol.maxLineLength / 3))
        let python = settings.string(Self.pythonSetting)
        self.python = python.isEmpty ? nil : python
        logLevel = try settings.logLevel(CommonSettings.logLevel)
        runtimeIdleSeconds = try settings.number(Self.runtimeIdleSetting, in: 1...86_400)
        let sandboxName = settings.string(Self.sandboxSetting)
        guard let sandbox = SandboxMode(rawValue: sandboxName) else {
            throw SettingsError.invalid("sandbox", sandboxName, "expected \(SandboxMode.names)")
        }
        self.sandbox = sandbox
        let precompile = settings.string(Self.precompileSetting)
        self.precompile = precompile.isEmpty ? nil : precompile
        let entrypoint = settings.string(Self.entrypointSetting)
        self.entrypoint = entrypoint.isEmpty ? nil : entrypoint
    }
}
