/// One configurable value: a `--flag`, an environment variable, a default, and the kind of value
/// it takes (checked when the settings are parsed, so a bad value stops the daemon at start).
public struct Setting: Sendable {
    public let flag: String
    /// Empty for an internal argument one daemon passes another (`--worker-id`): no variable.
    public let environment: String
    public let defaultValue: String
    public let help: String
    public let kind: SettingKind

    public init(_ flag: String, env: String, default defaultValue: String, kind: SettingKind = .text, help: String) {
        self.flag = flag
        self.environment = env
        self.defaultValue = defaultValue
        self.kind = kind
        self.help = help
    }

    /// An argument set by another daemon, not by users: no environment variable, not in the
    /// settings table (docs/settings.md).
    public var isInternal: Bool { environment.isEmpty }
}
