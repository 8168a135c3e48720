public enum SocketError: Error, CustomStringConvertible {
    case addressInUse(String)
    case pathTooLong(String)
    case badAddress(String)
    /// Something other than a socket sits at the path: it is not ours to remove.
    case notASocket(String)

    public var description: String {
        switch self {
        case .addressInUse(let path): return "\(path) is in use by a running daemon; refusing to take it over"
        case .pathTooLong(let path): return "socket path is empty or longer than 107 bytes: \(path)"
        case .badAddress(let host): return "not an IPv4 address: \(host)"
        case .notASocket(let path): return "\(path) exists and is not a socket; refusing to replace it"
        }
    }
}
