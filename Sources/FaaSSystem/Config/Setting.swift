/// One configurable value: a `--flag`, an environment variable, and a default.
public struct Setting: Sendable {
    public let flag: String
    public let environment: String
    public let defaultValue: String
    public let help: String

    public init(_ flag: String, env: String, default defaultValue: String, help: String) {
        self.flag = flag
        self.environment = env
        self.defaultValue = defaultValue
        self.help = help
    }
}
