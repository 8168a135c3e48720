/// `{"type":"ping","id":3}`: is the chain behind this peer alive? The gateway pings the server,
/// which pings the load balancer and answers with a `pong` once it has (or has given up).
public struct PingMessage: Sendable, Equatable {
    public var id: UInt64

    public init(id: UInt64) { self.id = id }
}
