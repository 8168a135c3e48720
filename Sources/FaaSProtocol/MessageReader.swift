/// Turns a byte stream into messages: JSON lines, each possibly followed by the raw bytes it
/// announces (`payload_bytes` / `output_bytes`; see `WireProtocol`). Blank lines are skipped.
public struct MessageReader {
    /// The stream can no longer be trusted: the peer is to be disconnected, for this reason.
    public struct StreamError: Error, CustomStringConvertible {
        public let description: String
    }

    private var framer: LineFramer
    private let codec = MessageCodec()
    /// A decoded line still waiting for its attachment.
    private var awaiting: (message: WireMessage, count: Int)?

    public init(maxLineLength: Int = WireProtocol.maxLineLength) {
        framer = LineFramer(maxLineLength: maxLineLength)
    }

    public var bufferedByteCount: Int { framer.bufferedByteCount }

    public mutating func append(_ bytes: UnsafeRawBufferPointer) {
        framer.append(bytes)
    }

    /// The next complete message, or nil until more bytes arrive.
    public mutating func next() throws(StreamError) -> WireMessage? {
        while true {
            if let (message, count) = awaiting {
                guard let bytes = framer.take(count) else { return nil }
                awaiting = nil
                var complete = message
                complete.attach(Array(bytes))
                return complete
            }
            switch framer.next() {
            case .needMoreBytes:
                return nil
            case .lineTooLong:
                throw StreamError(description: "protocol error: line longer than \(framer.maxLineLength) bytes")
            case .line(let line):
                if line.allSatisfy({ $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "\r") }) { continue }
                let decoded: (message: WireMessage, attachment: Int)
                do {
                    decoded = try codec.decodeHeader(line)
                } catch {
                    let preview = String(decoding: line.prefix(120), as: UTF8.self)
                    throw StreamError(description: "protocol error: bad message \(preview.debugDescription): \(error)")
                }
                guard decoded.attachment > 0 else { return decoded.message }
                awaiting = (decoded.message, decoded.attachment)
                framer.reserve(min(decoded.attachment, 8 << 20))
            }
        }
    }
}
