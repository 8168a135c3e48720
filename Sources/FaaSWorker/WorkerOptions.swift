import FaaSCore

public struct WorkerOptions: Sendable {
    public var functionsDirectory: String
    public var wasmLibrary: String?
    public var workerID: Int
    public var defaultTimeout: Double
    public var outputCap: Int
    /// The real python3 binary (not a pyenv shim); resolved once by the server.
    public var python: String?
    public var logLevel: Logger.Level

    static let workerIDSetting = Setting("worker-id", env: "FAAS_WORKER_ID", default: "0", help: "this worker's slot number")
    static let outputCapSetting = Setting("output-cap", env: "FAAS_OUTPUT_CAP", default: "1048576", help: "largest output (stdout, stderr) a function may produce, bytes")
    static let pythonSetting = Setting("python", env: "FAAS_PYTHON", default: "", help: "python3 interpreter to run Python functions with")
    static let known = [CommonSettings.functionsDir, CommonSettings.wasmLibrary, workerIDSetting, CommonSettings.timeout,
                        outputCapSetting, pythonSetting, CommonSettings.logLevel]

    public init(arguments: [String], environment: [String: String]) throws {
        let settings = try Settings(arguments: arguments, environment: environment, known: Self.known, program: "faas-worker")
        functionsDirectory = settings.string(CommonSettings.functionsDir)
        let library = settings.string(CommonSettings.wasmLibrary)
        wasmLibrary = library.isEmpty ? nil : library
        workerID = try settings.integer(Self.workerIDSetting, in: 0...1_000_000)
        defaultTimeout = try settings.number(CommonSettings.timeout, in: 0.001...86_400)
        outputCap = try settings.integer(Self.outputCapSetting, in: 1...(1 << 30))
        let python = settings.string(Self.pythonSetting)
        self.python = python.isEmpty ? nil : python
        logLevel = try settings.logLevel(CommonSettings.logLevel)
    }
}
