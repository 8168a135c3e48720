/// Turns a byte stream into messages: JSON lines, each possibly followed by the raw bytes it
/// announces (`payload_bytes` / `output_bytes`; see `WireProtocol`). Blank lines are skipped.
public struct MessageReader {
    /// The stream can no longer be trusted: the peer is to be disconnected, for this reason.
    public struct StreamError: Error, CustomStringConvertible {
        public let description: String
    }

    private var framer: LineFramer
    private let codec = MessageCodec()
    /// A decoded line still waiting for its attachment of `count` bytes, collected in
    /// `attachment`: straight from the reads once the framer holds nothing more, so a large
    /// body is copied once here, not through the line buffer.
    private var awaiting: (message: WireMessage, count: Int)?
    private var attachment: [UInt8] = []

    public init(maxLineLength: Int = WireProtocol.maxLineLength) {
        framer = LineFramer(maxLineLength: maxLineLength)
    }

    public var bufferedByteCount: Int { framer.bufferedByteCount + attachment.count }

    public mutating func append(_ bytes: UnsafeRawBufferPointer) {
        var rest = bytes
        if let (_, count) = awaiting, framer.bufferedByteCount == 0 {
            let take = min(count - attachment.count, rest.count)
            attachment.append(contentsOf: UnsafeRawBufferPointer(rebasing: rest[0..<take]))
            rest = UnsafeRawBufferPointer(rebasing: rest[take...])
        }
        if !rest.isEmpty { framer.append(rest) }
    }

    /// The next complete message, or nil until more bytes arrive.
    public mutating func next() throws(StreamError) -> WireMessage? {
        while true {
            if let (message, count) = awaiting {
                if attachment.count < count { attachment.append(contentsOf: framer.take(upTo: count - attachment.count)) }
                guard attachment.count == count else { return nil }
                awaiting = nil
                var complete = message
                complete.attach(attachment)
                attachment = []
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
                // One allocation for the body (bounded: the count is the peer's word).
                attachment.reserveCapacity(min(decoded.attachment, 64 << 20))
            }
        }
    }
}
