import FaaSSystem
import FaaSProtocol

public struct LoadBalancerOptions: Sendable {
    public var socketPath: String
    public var strategy: Strategy
    public var queueSize: Int
    /// How long an invoke may wait for a free worker before it is refused as overloaded.
    public var queueTimeout: Double
    /// Workers one function may use at once unless it carries its own limit; 0: half the pool.
    public var functionConcurrency: Int
    /// Seconds: a function whose recent calls averaged less may go beyond its default share
    /// while nothing else waits (see `Scheduler`); 0: never.
    public var burstBelow: Double
    public var logLevel: Logger.Level

    public static let known = [CommonSettings.cpuPolicy, CommonSettings.lbSocket, CommonSettings.strategy, CommonSettings.queueSize, CommonSettings.queueTimeout,
                               CommonSettings.functionConcurrency, CommonSettings.burstBelow, CommonSettings.logLevel]

    public init(socketPath: String, strategy: Strategy = .rr, queueSize: Int = 1024, queueTimeout: Double = 30, functionConcurrency: Int = 0,
                burstBelow: Double = 0.005, logLevel: Logger.Level = .info) {
        self.socketPath = socketPath
        self.strategy = strategy
        self.queueSize = queueSize
        self.queueTimeout = queueTimeout
        self.functionConcurrency = functionConcurrency
        self.burstBelow = burstBelow
        self.logLevel = logLevel
    }

    public init(arguments: [String], environment: [String: String]) throws {
        try self.init(Settings(arguments: arguments, environment: environment, known: Self.known, program: "faas-load-balancer"))
    }

    public init(_ settings: Settings) throws {
        self.init(
            socketPath: settings.string(CommonSettings.lbSocket),
            strategy: try settings.choice(CommonSettings.strategy, as: Strategy.self),
            queueSize: try settings.integer(CommonSettings.queueSize),
            queueTimeout: try settings.number(CommonSettings.queueTimeout),
            functionConcurrency: try settings.integer(CommonSettings.functionConcurrency),
            burstBelow: try settings.number(CommonSettings.burstBelow),
            logLevel: try settings.logLevel(CommonSettings.logLevel))
    }
}
