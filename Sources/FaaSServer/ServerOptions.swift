import FaaSSystem
import FaaSProtocol
import Foundation

public struct ServerOptions: Sendable {
    public var socketPath: String
    public var balancerSocketPath: String
    /// Workers started at once, and the fewest kept (`--min-workers`, else `--workers`).
    public var workerCount: Int
    /// When workers are added and retired (`WorkerScaler`).
    var scaling: WorkerScaler.Policy
    public var workerPath: String
    public var functionsDirectory: String
    /// For an invoke that carries no time limit. The gateway owns the limits (`--timeout`) and
    /// every invoke it sends carries one: this is only the documented default, for other peers.
    public let defaultTimeout: Double = Double(CommonSettings.timeout.defaultValue)!
    /// Seconds SIGTERM waits for invocations in flight before stopping the workers.
    public var shutdownGrace: Double
    public var logLevel: Logger.Level
    /// Functions run without isolation (`--sandbox none`): warned about at start.
    public var sandboxOff: Bool
    /// The workers' settings as this server resolved them, `--flag value` pairs: workers get
    /// them on their command line, never through the environment.
    public var workerSettings: [String]

    public static let known = [CommonSettings.cpuPolicy, CommonSettings.serverSocket, CommonSettings.lbSocket, CommonSettings.workers, CommonSettings.minWorkers, CommonSettings.maxWorkers,
                               CommonSettings.scaleUpWait, CommonSettings.scaleDownIdle, CommonSettings.workerPath,
                               CommonSettings.shutdownGrace] + CommonSettings.handedToWorkers

    public init(arguments: [String], environment: [String: String]) throws {
        try self.init(Settings(arguments: arguments, environment: environment, known: Self.known, program: "faas-server"))
    }

    public init(_ settings: Settings) throws {
        socketPath = settings.string(CommonSettings.serverSocket)
        balancerSocketPath = settings.string(CommonSettings.lbSocket)
        let minimum = try settings.integer(CommonSettings.minWorkers)
        workerCount = minimum > 0 ? minimum : try settings.integer(CommonSettings.workers)
        let maximum = try settings.integer(CommonSettings.maxWorkers)
        scaling = WorkerScaler.Policy(minimum: workerCount,
                                      maximum: maximum > 0 ? max(maximum, workerCount) : WorkerScaler.defaultMaximum(minimum: workerCount),
                                      upAfter: try settings.number(CommonSettings.scaleUpWait),
                                      idleRetire: try settings.number(CommonSettings.scaleDownIdle))
        workerPath = settings.optionalString(CommonSettings.workerPath) ?? Runtimes.besideThisExecutable("faas-worker")
        // Workers run elsewhere (cwd /tmp for functions): hand them an absolute folder.
        functionsDirectory = URL(fileURLWithPath: settings.string(CommonSettings.functionsDir)).standardizedFileURL.path
        shutdownGrace = try settings.number(CommonSettings.shutdownGrace)
        logLevel = try settings.logLevel(CommonSettings.logLevel)
        sandboxOff = settings.string(CommonSettings.sandbox).lowercased() == "none"
        let absolute = functionsDirectory
        workerSettings = CommonSettings.handedToWorkers.flatMap { setting in
            ["--\(setting.flag)", setting.flag == CommonSettings.functionsDir.flag ? absolute : settings.string(setting)]
        }
    }

    /// A worker's whole environment: only what the loader and the interpreters' lookup need
    /// (its settings are on its command line).
    public var workerEnvironment: [String: String] {
        let own = ProcessInfo.processInfo.environment
        var environment = ["PATH": own["PATH"] ?? "/usr/local/bin:/usr/bin:/bin", "HOME": own["HOME"] ?? "/tmp"]
        if let loader = own["LD_LIBRARY_PATH"] { environment["LD_LIBRARY_PATH"] = loader }
        return environment
    }

    /// The command line of the worker in slot `id`.
    public func workerArguments(id: Int) -> [String] {
        workerSettings + ["--\(CommonSettings.workerID.flag)", String(id)]
    }
}
