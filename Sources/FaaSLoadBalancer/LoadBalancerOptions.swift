import FaaSSystem
import FaaSProtocol

public struct LoadBalancerOptions: Sendable {
    public var socketPath: String
    public var strategy: Strategy
    public var queueSize: Int
    /// How long an invoke may wait for a free worker before it is refused as overloaded.
    public var queueTimeout: Double
    public var logLevel: Logger.Level

    static let queueTimeoutSetting = Setting("queue-timeout", env: "FAAS_QUEUE_TIMEOUT", default: "30", help: "seconds an invoke may wait for a free worker")
    static let known = [CommonSettings.lbSocket, CommonSettings.strategy, CommonSettings.queueSize, queueTimeoutSetting, CommonSettings.logLevel]

    public init(socketPath: String, strategy: Strategy = .rr, queueSize: Int = 1024, queueTimeout: Double = 30, logLevel: Logger.Level = .info) {
        self.socketPath = socketPath
        self.strategy = strategy
        self.queueSize = queueSize
        self.queueTimeout = queueTimeout
        self.logLevel = logLevel
    }

    public init(arguments: [String], environment: [String: String]) throws {
        let settings = try Settings(arguments: arguments, environment: environment, known: Self.known, program: "faas-load-balancer")
        let strategyName = settings.string(CommonSettings.strategy).lowercased()
        guard let strategy = Strategy(rawValue: strategyName) else {
            throw SettingsError.invalid("strategy", strategyName, "expected rr, fifo or weighted")
        }
        self.init(
            socketPath: settings.string(CommonSettings.lbSocket),
            strategy: strategy,
            queueSize: try settings.integer(CommonSettings.queueSize, in: 1...1_000_000),
            queueTimeout: try settings.number(Self.queueTimeoutSetting, in: 0.01...3600),
            logLevel: try settings.logLevel(CommonSettings.logLevel))
    }
}
