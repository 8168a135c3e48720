/// `{"type":"invoke","id":1,"fn":"hello_123","payload":"test data"}`: run a function once.
public struct InvokeMessage: Codable, Sendable {
    public private(set) var type = MessageType.invoke
    public var id: UInt64
    public var fn: String
    public var payload: String
    public var encoding: PayloadEncoding?
    /// Time limit in seconds for this invocation (the function's own or the default).
    public var timeout: Double?
    /// Memory limit in MiB.
    public var memory: Int?

    public init(id: UInt64, fn: String, payload: [UInt8], timeout: Double? = nil, memory: Int? = nil) {
        self.id = id
        self.fn = fn
        (self.payload, self.encoding) = PayloadEncoding.encode(payload)
        self.timeout = timeout
        self.memory = memory
    }

    public var payloadBytes: [UInt8]? { PayloadEncoding.decode(payload, encoding) }

    /// The same request as the job a worker runs.
    public var job: JobMessage {
        JobMessage(id: id, fn: fn, payload: payload, encoding: encoding, timeout: timeout, memory: memory)
    }
}
