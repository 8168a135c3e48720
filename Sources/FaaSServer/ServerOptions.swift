import FaaSSystem
import FaaSProtocol
import Foundation

public struct ServerOptions: Sendable {
    public var socketPath: String
    public var balancerSocketPath: String
    public var workerCount: Int
    public var workerPath: String
    public var functionsDirectory: String
    public var wasmLibrary: String?
    public var defaultTimeout: Double
    public var python: String?
    /// Seconds SIGTERM waits for invocations in flight before stopping the workers.
    public var shutdownGrace: Double
    public var logLevel: Logger.Level

    static let graceSetting = Setting("shutdown-grace", env: "FAAS_SHUTDOWN_GRACE", default: "10", help: "seconds to finish in-flight invocations on SIGTERM")
    static let pythonSetting = Setting("python", env: "FAAS_PYTHON", default: "", help: "python3 interpreter for Python functions (default: the system python3 in the sandbox, else PATH's, resolved by each worker)")
    static let known = [CommonSettings.serverSocket, CommonSettings.lbSocket, CommonSettings.workers, CommonSettings.workerPath,
                        CommonSettings.functionsDir, CommonSettings.wasmLibrary, CommonSettings.timeout, pythonSetting,
                        graceSetting, CommonSettings.logLevel]

    public init(arguments: [String], environment: [String: String]) throws {
        let settings = try Settings(arguments: arguments, environment: environment, known: Self.known, program: "faas-server")
        socketPath = settings.string(CommonSettings.serverSocket)
        balancerSocketPath = settings.string(CommonSettings.lbSocket)
        workerCount = try settings.integer(CommonSettings.workers, in: 1...256)
        let explicitWorker = settings.string(CommonSettings.workerPath)
        workerPath = explicitWorker.isEmpty ? Runtimes.besideThisExecutable("faas-worker") : explicitWorker
        // Workers run elsewhere (cwd /tmp for functions): hand them an absolute folder.
        functionsDirectory = URL(fileURLWithPath: settings.string(CommonSettings.functionsDir)).standardizedFileURL.path
        let library = settings.string(CommonSettings.wasmLibrary)
        wasmLibrary = library.isEmpty ? nil : library
        defaultTimeout = try settings.number(CommonSettings.timeout, in: 0.001...86_400)
        let python = settings.string(Self.pythonSetting)
        self.python = python.isEmpty ? nil : python
        shutdownGrace = try settings.number(Self.graceSetting, in: 0...3600)
        logLevel = try settings.logLevel(CommonSettings.logLevel)
    }
}
