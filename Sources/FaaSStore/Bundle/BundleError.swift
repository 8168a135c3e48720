/// Why an archive is refused (400): each message says what was wrong and where.
public enum BundleError: Error, CustomStringConvertible, Equatable {
    case corrupt(String)
    case unsafePath(String, String)
    case link(String)
    case special(String)
    case duplicate(String)
    case tooManyFiles(Int)
    case tooLarge(Int)
    case ratio(Int)
    case unsupported(String)

    public var description: String {
        switch self {
        case .corrupt(let why): return "the archive is truncated or corrupt: \(why)"
        case .unsafePath(let path, let why): return "the archive entry \(path.debugDescription) is refused: \(why)"
        case .link(let path): return "the archive entry \(path.debugDescription) is a link: bundles hold regular files and folders only"
        case .special(let path): return "the archive entry \(path.debugDescription) is a device, FIFO or other special file"
        case .duplicate(let path): return "the archive holds \(path.debugDescription) twice"
        case .tooManyFiles(let limit): return "the archive holds more than \(limit) entries (FAAS_BUNDLE_MAX_FILES)"
        case .tooLarge(let limit): return "the archive unpacks to more than \(limit) bytes (FAAS_BUNDLE_MAX_UNPACKED)"
        case .ratio(let limit): return "the archive unpacks to more than \(limit) times its size (FAAS_BUNDLE_MAX_RATIO): refused as a possible zip bomb"
        case .unsupported(let what): return "the archive uses \(what), which bundles do not support"
        }
    }
}
