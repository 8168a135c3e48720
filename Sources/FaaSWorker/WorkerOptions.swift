import FaaSSystem
import FaaSProtocol
import FaaSStore
import FaaSSandbox
import FaaSWasm

/// A worker's settings. The server starts workers with every one of them as a flag (it reads
/// them itself: `CommonSettings.handedToWorkers`); nothing reaches a worker through the
/// environment.
public struct WorkerOptions: Sendable {
    public var functionsDirectory: String
    public var wasmLibrary: String?
    /// wasmtime's pooling allocator (the precompiler and the workers make the same choice).
    public var wasmPooling: Bool
    public var workerID: Int
    /// For a job that carries no time limit. The gateway owns the limits (`--timeout`,
    /// `--memory`) and every job it causes carries them: this is only the documented default.
    public let defaultTimeout: Double = Double(CommonSettings.timeout.defaultValue)!
    /// MiB, for a job that carries no memory limit of its own (see `defaultTimeout`).
    public let defaultMemory: Int = Int(CommonSettings.memory.defaultValue)!
    public var outputCap: Int
    /// Cores a function's runtime may use when its deploy named none (`&cpu=`); 0: no quota.
    public var cpu: Double
    /// An explicit python3; nil: the system one when sandboxed, else PATH's (resolved lazily).
    public var python: String?
    public var logLevel: Logger.Level
    /// Seconds a warm runtime (handler, zygote, JS context host) is kept without calls.
    public var runtimeIdleSeconds: Double
    /// `bwrap` (default): each JS/Python function in its own sandbox; `none`: limits only.
    public var sandbox: SandboxMode
    public var sandboxTools: SandboxTools
    /// Set for `--precompile DIR`: prepare that function's module and exit.
    public var precompile: String?
    public var entrypoint: String?

    public static let known = [CommonSettings.functionsDir, CommonSettings.wasmLibrary, CommonSettings.wasmPooling, CommonSettings.outputCap,
                               CommonSettings.sandbox, CommonSettings.bwrap, CommonSettings.runtimeIdle, CommonSettings.python,
                               CommonSettings.logLevel, CommonSettings.workerID, CommonSettings.precompile, CommonSettings.entrypoint, CommonSettings.cpu]

    public init(arguments: [String], environment: [String: String]) throws {
        try self.init(Settings(arguments: arguments, environment: environment, known: Self.known, program: "faas-worker"))
    }

    public init(_ settings: Settings) throws {
        functionsDirectory = settings.string(CommonSettings.functionsDir)
        wasmLibrary = settings.optionalString(CommonSettings.wasmLibrary)
        wasmPooling = try settings.choice(CommonSettings.wasmPooling, as: Switch.self) == .on
        workerID = try settings.integer(CommonSettings.workerID)
        outputCap = try settings.integer(CommonSettings.outputCap)
        cpu = try settings.number(CommonSettings.cpu)
        python = settings.optionalString(CommonSettings.python)
        logLevel = try settings.logLevel(CommonSettings.logLevel)
        runtimeIdleSeconds = try settings.number(CommonSettings.runtimeIdle)
        sandbox = try settings.choice(CommonSettings.sandbox, as: SandboxMode.self)
        sandboxTools = SandboxTools(bwrap: settings.string(CommonSettings.bwrap))
        precompile = settings.optionalString(CommonSettings.precompile)
        entrypoint = settings.optionalString(CommonSettings.entrypoint)
    }
}
