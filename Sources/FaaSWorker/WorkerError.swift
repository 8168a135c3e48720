enum WorkerError: Error, CustomStringConvertible {
    case protocolViolation(String)

    var description: String {
        switch self {
        case .protocolViolation(let why): return "protocol violation: \(why)"
        }
    }
}
