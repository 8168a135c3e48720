/// `{"type":"job","id":7,"fn":"hello_123","payload":"test data"}`: server -> worker stdin.
public struct JobMessage: Codable, Sendable {
    public private(set) var type = MessageType.job
    public var id: UInt64
    public var fn: String
    public var payload: String
    public var encoding: PayloadEncoding?
    public var timeout: Double?
    public var memory: Int?

    public init(id: UInt64, fn: String, payload: String, encoding: PayloadEncoding?, timeout: Double?, memory: Int?) {
        self.id = id
        self.fn = fn
        self.payload = payload
        self.encoding = encoding
        self.timeout = timeout
        self.memory = memory
    }

    public var payloadBytes: [UInt8]? { PayloadEncoding.decode(payload, encoding) }
}
