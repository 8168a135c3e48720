import FaaSSystem
import FaaSProtocol
import FaaSHTTP
import FaaSStore
import FaaSSandbox
import FaaSWasm
import Foundation

public struct GatewayOptions: Sendable {
    public var host: String
    public var port: UInt16
    public var serverSocketPath: String
    public var functionsDirectory: String
    /// The precompiler (`faas-worker --precompile`) and its engine settings.
    public var workerPath: String
    public var wasmLibrary: String?
    public var wasmPooling: Bool
    public var maxBody: Int
    /// The gateway owns the limits of a function: it checks a deploy's against the maxima and
    /// sends every invoke with the function's own or these defaults.
    public var defaultTimeout: Double
    public var maxTimeout: Double
    public var defaultMemory: Int
    public var maxMemory: Int
    public var maxConnections: Int
    /// Seconds a client may take to send a request it has started.
    public var readTimeout: Double
    /// Seconds a client may take to send a request's head (slowloris).
    public var headerTimeout: Double
    /// Connections, requests in flight and body memory per client and in total.
    var admission: Admission.Limits
    /// Seconds an idle keep-alive connection is kept.
    public var idleTimeout: Double
    /// Seconds a compiler may run for one deploy.
    public var compileTimeout: Double
    /// Compilers running at once (the rest queue).
    public var compileJobs: Int
    /// Largest code.wasm, bytes (422 beyond).
    public var maxModule: Int
    /// Most the functions folder may hold, bytes (507 beyond).
    public var maxStorage: Int
    /// What a deploy archive may hold.
    public var bundleLimits: BundleLimits
    /// Versions kept per function name.
    public var maxVersions: Int
    /// The compilers (and wasm-ld) a deploy runs.
    public var toolchain: WasmToolchain.Tools
    /// The `go` command Go deploys run (`GoBuild`).
    public var go: String
    /// How compilers are confined.
    public var sandbox: SandboxMode
    public var sandboxTools: SandboxTools
    public var logLevel: Logger.Level
    /// Seconds SIGTERM waits for requests in flight.
    public var shutdownGrace: Double
    /// The load balancer's queue wait, to bound an invoke's whole wait.
    public var queueTimeout: Double

    public static let known = [CommonSettings.host, CommonSettings.port, CommonSettings.serverSocket, CommonSettings.functionsDir,
                               CommonSettings.workerPath, CommonSettings.wasmLibrary, CommonSettings.wasmPooling, CommonSettings.maxBody,
                               CommonSettings.timeout, CommonSettings.maxTimeout, CommonSettings.memory, CommonSettings.maxMemory,
                               CommonSettings.maxConnections, CommonSettings.readTimeout, CommonSettings.idleTimeout,
                               CommonSettings.headerTimeout, CommonSettings.clientConnections, CommonSettings.clientRequests, CommonSettings.bodyMemory,
                               CommonSettings.compileTimeout, CommonSettings.compileJobs, CommonSettings.maxModule, CommonSettings.maxStorage,
                               CommonSettings.bundleMaxFiles, CommonSettings.bundleMaxUnpacked, CommonSettings.bundleMaxRatio, CommonSettings.maxVersions,
                               CommonSettings.clang, CommonSettings.wasmLinker, CommonSettings.rustc, CommonSettings.go,
                               CommonSettings.sandbox, CommonSettings.bwrap, CommonSettings.shutdownGrace, CommonSettings.queueTimeout,
                               CommonSettings.logLevel, CommonSettings.functionLogMax, CommonSettings.cpuPolicy] + AuthOptions.known + InvocationOptions.known

    /// Bytes of log per function before rotation (`functions/.logs/NAME.log`).
    public var functionLogMax: Int
    /// API keys, tokens, rate limits, trusted proxies.
    public var auth: AuthOptions
    /// The invocation store, async invocations and callbacks.
    var invocations: InvocationOptions

    public init(arguments: [String], environment: [String: String]) throws {
        try self.init(Settings(arguments: arguments, environment: environment, known: Self.known, program: "faas-gateway"))
    }

    public init(_ settings: Settings) throws {
        host = settings.string(CommonSettings.host)
        port = UInt16(try settings.integer(CommonSettings.port))
        serverSocketPath = settings.string(CommonSettings.serverSocket)
        functionsDirectory = URL(fileURLWithPath: settings.string(CommonSettings.functionsDir)).standardizedFileURL.path
        workerPath = settings.optionalString(CommonSettings.workerPath) ?? Runtimes.besideThisExecutable("faas-worker")
        wasmLibrary = settings.optionalString(CommonSettings.wasmLibrary)
        wasmPooling = try settings.choice(CommonSettings.wasmPooling, as: Switch.self) == .on
        maxBody = try settings.integer(CommonSettings.maxBody)
        defaultTimeout = try settings.number(CommonSettings.timeout)
        maxTimeout = try settings.number(CommonSettings.maxTimeout)
        defaultMemory = try settings.integer(CommonSettings.memory)
        maxMemory = try settings.integer(CommonSettings.maxMemory)
        maxConnections = try settings.integer(CommonSettings.maxConnections)
        readTimeout = try settings.number(CommonSettings.readTimeout)
        headerTimeout = try settings.number(CommonSettings.headerTimeout)
        let bodyMemory = try settings.integer(CommonSettings.bodyMemory)
        admission = Admission.Limits(maxConnections: maxConnections, perClientConnections: try settings.integer(CommonSettings.clientConnections),
                                     perClientRequests: try settings.integer(CommonSettings.clientRequests),
                                     bodyMemory: bodyMemory, perClientBodyMemory: max(1, bodyMemory / 2))
        idleTimeout = try settings.number(CommonSettings.idleTimeout)
        compileTimeout = try settings.number(CommonSettings.compileTimeout)
        let jobs = try settings.integer(CommonSettings.compileJobs)
        compileJobs = jobs > 0 ? jobs : max(1, sysconf(Int32(_SC_NPROCESSORS_ONLN)))
        maxModule = try settings.integer(CommonSettings.maxModule)
        maxStorage = try settings.integer(CommonSettings.maxStorage) << 20
        bundleLimits = BundleLimits(maxFiles: try settings.integer(CommonSettings.bundleMaxFiles),
                                    maxUnpackedBytes: try settings.integer(CommonSettings.bundleMaxUnpacked),
                                    maxRatio: try settings.integer(CommonSettings.bundleMaxRatio))
        maxVersions = try settings.integer(CommonSettings.maxVersions)
        toolchain = WasmToolchain.Tools(clang: settings.optionalString(CommonSettings.clang), wasmLinker: settings.optionalString(CommonSettings.wasmLinker),
                                        rustc: settings.string(CommonSettings.rustc))
        go = settings.string(CommonSettings.go)
        sandbox = try settings.choice(CommonSettings.sandbox, as: SandboxMode.self)
        sandboxTools = SandboxTools(bwrap: settings.string(CommonSettings.bwrap))
        logLevel = try settings.logLevel(CommonSettings.logLevel)
        shutdownGrace = try settings.number(CommonSettings.shutdownGrace)
        queueTimeout = try settings.number(CommonSettings.queueTimeout)
        functionLogMax = try settings.integer(CommonSettings.functionLogMax)
        auth = try AuthOptions(settings: settings, functionsDirectory: functionsDirectory)
        invocations = try InvocationOptions(settings: settings, functionsDirectory: functionsDirectory)
    }
}
