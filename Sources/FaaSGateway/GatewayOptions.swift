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
    public var workerPath: String
    public var wasmLibrary: String?
    public var maxBody: Int
    public var defaultTimeout: Double
    public var maxTimeout: Double
    public var defaultMemory: Int
    public var maxConnections: Int
    /// Seconds a client may take to send a request it has started.
    public var readTimeout: Double
    /// Seconds an idle keep-alive connection is kept.
    public var idleTimeout: Double
    /// Seconds a compiler may run for one deploy.
    public var compileTimeout: Double
    public var logLevel: Logger.Level
    /// Seconds SIGTERM waits for requests in flight.
    public var shutdownGrace: Double
    /// The load balancer's queue wait, to bound an invoke's whole wait.
    public var queueTimeout: Double

    static let maxConnectionsSetting = Setting("max-connections", env: "FAAS_MAX_CONNECTIONS", default: "10000", help: "open client connections at most")
    static let readTimeoutSetting = Setting("read-timeout", env: "FAAS_READ_TIMEOUT", default: "30", help: "seconds to receive a whole request")
    static let idleTimeoutSetting = Setting("idle-timeout", env: "FAAS_IDLE_TIMEOUT", default: "75", help: "seconds an idle keep-alive connection stays open")
    static let compileTimeoutSetting = Setting("compile-timeout", env: "FAAS_COMPILE_TIMEOUT", default: "120", help: "seconds a deploy's compiler may run")
    static let maxMemorySetting = Setting("max-memory", env: "FAAS_MAX_MEMORY", default: "2048", help: "largest memory limit a function may ask for, MiB")
    static let graceSetting = Setting("shutdown-grace", env: "FAAS_SHUTDOWN_GRACE", default: "10", help: "seconds to finish requests in flight on SIGTERM")
    static let queueTimeoutSetting = Setting("queue-timeout", env: "FAAS_QUEUE_TIMEOUT", default: "30", help: "seconds an invoke may wait for a free worker (the load balancer's setting)")
    static let known = [graceSetting, queueTimeoutSetting, CommonSettings.host, CommonSettings.port, CommonSettings.serverSocket, CommonSettings.functionsDir,
                        CommonSettings.workerPath, CommonSettings.wasmLibrary, CommonSettings.maxBody, CommonSettings.timeout,
                        CommonSettings.maxTimeout, CommonSettings.memory, maxMemorySetting, maxConnectionsSetting,
                        readTimeoutSetting, idleTimeoutSetting, compileTimeoutSetting, CommonSettings.logLevel] + AuthOptions.known

    /// API keys, tokens, rate limits, trusted proxies.
    public var auth: AuthOptions

    public var maxMemory: Int

    public init(arguments: [String], environment: [String: String]) throws {
        let settings = try Settings(arguments: arguments, environment: environment, known: Self.known, program: "faas-gateway")
        host = settings.string(CommonSettings.host)
        port = UInt16(try settings.integer(CommonSettings.port, in: 0...65535))
        serverSocketPath = settings.string(CommonSettings.serverSocket)
        functionsDirectory = URL(fileURLWithPath: settings.string(CommonSettings.functionsDir)).standardizedFileURL.path
        let explicitWorker = settings.string(CommonSettings.workerPath)
        workerPath = explicitWorker.isEmpty ? Runtimes.besideThisExecutable("faas-worker") : explicitWorker
        let library = settings.string(CommonSettings.wasmLibrary)
        wasmLibrary = library.isEmpty ? nil : library
        // A payload travels in one JSON line (at most 8/3 of its size) under the
        // protocol's line limit.
        maxBody = try settings.integer(CommonSettings.maxBody, in: 1...(WireProtocol.maxLineLength / 3))
        defaultTimeout = try settings.number(CommonSettings.timeout, in: 0.001...86_400)
        maxTimeout = try settings.number(CommonSettings.maxTimeout, in: 0.001...86_400)
        defaultMemory = try settings.integer(CommonSettings.memory, in: 1...1_048_576)
        maxMemory = try settings.integer(Self.maxMemorySetting, in: 1...1_048_576)
        maxConnections = try settings.integer(Self.maxConnectionsSetting, in: 1...1_000_000)
        readTimeout = try settings.number(Self.readTimeoutSetting, in: 0.01...3600)
        idleTimeout = try settings.number(Self.idleTimeoutSetting, in: 0.01...86_400)
        compileTimeout = try settings.number(Self.compileTimeoutSetting, in: 0.1...3600)
        logLevel = try settings.logLevel(CommonSettings.logLevel)
        shutdownGrace = try settings.number(Self.graceSetting, in: 0...3600)
        queueTimeout = try settings.number(Self.queueTimeoutSetting, in: 0.01...3600)
        auth = try AuthOptions(settings: settings, functionsDirectory: functionsDirectory)
    }
}
