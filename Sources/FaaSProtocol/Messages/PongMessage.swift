/// `{"type":"pong","id":3,"load_balancer":"ok"}`: the answer to `ping` `id`. From the server,
/// `load_balancer` says whether the load balancer answered its own ping in time (`ok`,
/// `unreachable`: not connected, `timeout`: no pong within the deadline); the load balancer's
/// own pong carries no such field.
public struct PongMessage: Sendable, Equatable {
    public enum PartState: String, Sendable {
        case ok
        case unreachable
        case timeout
    }

    public var id: UInt64
    public var loadBalancer: PartState?

    public init(id: UInt64, loadBalancer: PartState? = nil) {
        self.id = id
        self.loadBalancer = loadBalancer
    }
}
