import FaaSSystem
import Foundation

/// The gateway's settings for invocation records, async invocations and callbacks.
struct InvocationOptions: Sendable {
    var databasePath: String
    var ttl: Double
    var recordSync: Bool
    /// Async invocations in flight at most (resolved: never 0).
    var asyncConcurrency: Int
    var defaultRetries: Int
    var inlineMax: Int
    var callbackPolicy: CallbackPolicy

    static let known = [CommonSettings.invocationsDB, CommonSettings.invocationTTL, CommonSettings.recordSync, CommonSettings.asyncConcurrency,
                        CommonSettings.workers, CommonSettings.asyncRetries, CommonSettings.resultInlineMax, CommonSettings.callbackAllow]

    init(settings: Settings, functionsDirectory: String) throws {
        let path = settings.optionalString(CommonSettings.invocationsDB) ?? functionsDirectory + "/.invocations/invocations.db"
        databasePath = URL(fileURLWithPath: path).standardizedFileURL.path
        ttl = try settings.number(CommonSettings.invocationTTL)
        recordSync = try settings.choice(CommonSettings.recordSync, as: Switch.self) == .on
        let configured = try settings.integer(CommonSettings.asyncConcurrency)
        asyncConcurrency = configured > 0 ? configured : max(1, try settings.integer(CommonSettings.workers) / 2)
        defaultRetries = try settings.integer(CommonSettings.asyncRetries)
        inlineMax = try settings.integer(CommonSettings.resultInlineMax)
        let allow = settings.string(CommonSettings.callbackAllow)
        do { callbackPolicy = try CallbackPolicy(allowList: allow) } catch let error as CallbackPolicy.ParseError {
            throw SettingsError.invalid(settings.source(CommonSettings.callbackAllow).name(of: CommonSettings.callbackAllow), allow, error.why)
        }
    }
}
