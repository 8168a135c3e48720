import Glibc

/// posix_spawn failed, including an executable that could not be run (glibc reports exec
/// failure through the return value).
public enum SpawnError: Error, CustomStringConvertible {
    case failed(String, errno: Int32)

    public var description: String {
        switch self {
        case .failed(let executable, let code):
            return "posix_spawn \(executable): \(String(cString: strerror(code))) (errno \(code))"
        }
    }
}
