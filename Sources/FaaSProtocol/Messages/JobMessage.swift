/// `{"type":"job","id":7,"fn":"hello_123","payload_bytes":9}` + 9 bytes: server -> worker stdin.
/// Inside `forward_to_worker` (load balancer -> server) it comes without a payload: the server
/// kept it and attaches it when it writes the job to the worker.
public struct JobMessage: Sendable {
    public var id: UInt64
    public var fn: String
    /// nil: not carried (see above).
    public var payload: [UInt8]?
    public var timeout: Double?
    public var memory: Int?
    /// The request behind the job (`"ctx"`), attached by the server with the payload.
    public var context: InvocationContext?

    public init(id: UInt64, fn: String, payload: [UInt8]?, timeout: Double?, memory: Int?, context: InvocationContext? = nil) {
        self.id = id
        self.fn = fn
        self.payload = payload
        self.timeout = timeout
        self.memory = memory
        self.context = context
    }
}
