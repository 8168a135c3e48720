public enum SocketError: Error, CustomStringConvertible {
    case addressInUse(String)
    case pathTooLong(String)
    case badAddress(String)

    public var description: String {
        switch self {
        case .addressInUse(let path): return "\(path) is in use by a running daemon; refusing to take it over"
        case .pathTooLong(let path): return "socket path is empty or longer than 107 bytes: \(path)"
        case .badAddress(let host): return "not an IPv4 address: \(host)"
        }
    }
}
