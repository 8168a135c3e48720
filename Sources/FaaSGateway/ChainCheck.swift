import FaaSProtocol

/// What a ping through the chain (gateway -> server -> load balancer) found.
enum ChainCheck: Equatable {
    case healthy
    /// No connection to the server.
    case serverUnreachable
    /// Connected, but the server did not answer within the deadline.
    case serverSilent
    /// The server answered, but its load balancer is not connected or did not answer in time.
    case loadBalancer(PongMessage.PartState)

    var isHealthy: Bool { self == .healthy }

    /// The unhealthy part, for `/health` and 503 messages.
    var part: String? {
        switch self {
        case .healthy: return nil
        case .serverUnreachable, .serverSilent: return "server"
        case .loadBalancer: return "load_balancer"
        }
    }

    var detail: String {
        switch self {
        case .healthy: return "ok"
        case .serverUnreachable: return "server unreachable"
        case .serverSilent: return "server did not answer a ping in time"
        case .loadBalancer(.unreachable): return "load balancer unreachable from the server"
        case .loadBalancer: return "load balancer did not answer a ping in time"
        }
    }
}
