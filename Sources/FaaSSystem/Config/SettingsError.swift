/// A bad command line or setting value; `helpRequested` carries the usage text.
public enum SettingsError: Error, CustomStringConvertible {
    case unknownFlag(String)
    case missingValue(String)
    case invalid(String, String, String)
    case helpRequested(String)

    public var description: String {
        switch self {
        case .unknownFlag(let flag): return "unknown option \(flag)"
        case .missingValue(let flag): return "option --\(flag) needs a value"
        case .invalid(let flag, let value, let why): return "invalid --\(flag) \(value.debugDescription): \(why)"
        case .helpRequested(let usage): return usage
        }
    }
}
