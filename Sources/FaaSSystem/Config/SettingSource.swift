/// Where a setting's value came from: what a user set is what an error names.
public enum SettingSource: Sendable, Equatable {
    case flag
    case environment
    case defaultValue

    /// The name of `setting` as the user wrote it (`--max-body` or `FAAS_MAX_BODY`).
    public func name(of setting: Setting) -> String {
        switch self {
        case .flag, .defaultValue: return "--\(setting.flag)"
        case .environment: return setting.environment
        }
    }
}
