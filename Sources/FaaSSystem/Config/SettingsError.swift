/// A bad command line or setting value; `helpRequested` carries the usage text.
public enum SettingsError: Error, CustomStringConvertible {
    case unknownFlag(String)
    case missingValue(String)
    /// The setting as the user set it (`--max-body` or `FAAS_MAX_BODY`), the value, and why.
    case invalid(String, String, String)
    case helpRequested(String)

    public var description: String {
        switch self {
        case .unknownFlag(let flag): return "unknown option \(flag)"
        case .missingValue(let flag): return "option --\(flag) needs a value"
        case .invalid(let name, let value, let why): return "invalid \(name) \(value.debugDescription): \(why)"
        case .helpRequested(let usage): return usage
        }
    }
}
