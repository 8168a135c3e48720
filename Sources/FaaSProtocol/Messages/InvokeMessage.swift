/// `{"type":"invoke","id":1,"fn":"hello_123","payload_bytes":9}` + 9 bytes: run a function once.
/// The spec's `"payload":"test data"` form is read as well (see `BodyForm`).
public struct InvokeMessage: Sendable {
    public var id: UInt64
    public var fn: String
    /// The bytes for the function's stdin. nil: the sender keeps them (the server's invoke to
    /// the load balancer, which only needs the id, the function and the limits).
    public var payload: [UInt8]?
    /// Time limit in seconds for this invocation (the function's own or the default).
    public var timeout: Double?
    /// Memory limit in MiB.
    public var memory: Int?
    /// Workers this function may use at once (deployed with `&concurrency=N`); nil: the load
    /// balancer's default share.
    public var concurrency: Int?
    /// How the payload arrived; the answer goes back the same way.
    public var bodyForm: BodyForm
    /// The request behind it (`"ctx"`); like the payload, the server keeps it from the load
    /// balancer and hands it to the worker with the job.
    public var context: InvocationContext?

    public init(id: UInt64, fn: String, payload: [UInt8]?, timeout: Double? = nil, memory: Int? = nil, concurrency: Int? = nil,
                bodyForm: BodyForm = .attached, context: InvocationContext? = nil) {
        self.id = id
        self.fn = fn
        self.payload = payload
        self.timeout = timeout
        self.memory = memory
        self.concurrency = concurrency
        self.bodyForm = bodyForm
        self.context = context
    }

    /// The same request as the job a worker runs.
    public var job: JobMessage {
        JobMessage(id: id, fn: fn, payload: payload, timeout: timeout, memory: memory, context: context)
    }
}
