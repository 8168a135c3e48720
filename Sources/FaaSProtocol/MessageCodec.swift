import FaaSSystem

/// Turns messages into their wire bytes and back, through the hand-written codec
/// (`WireMessage+JSONLines`).
public final class MessageCodec {
    public init() {}

    /// The JSON line (with its `\n`) and the bytes to send raw after it, if any.
    public func encode(_ message: WireMessage) -> (line: [UInt8], attachment: [UInt8]?) {
        var line: [UInt8] = []
        line.reserveCapacity(128)
        let attachment = message.appendJSON(to: &line)
        line.append(UInt8(ascii: "\n"))
        return (line, attachment)
    }

    /// Line and attachment in one buffer, for a single write(2).
    public func encodeFrame(_ message: WireMessage) -> [UInt8] {
        var (frame, attachment) = encode(message)
        if let attachment { frame.append(contentsOf: attachment) }
        return frame
    }

    /// Decodes one line; `attachment` is the byte count that must follow it (see `MessageReader`).
    public func decodeHeader(_ line: ArraySlice<UInt8>) throws -> (message: WireMessage, attachment: Int) {
        let json = try line.withUnsafeBufferPointer { try JSONValue.parse($0) }
        return try WireMessage.decodeHeader(json)
    }

    /// Decodes a line that carries no attachment (the inline form, or one without a body).
    public func decode(_ line: ArraySlice<UInt8>) throws -> WireMessage {
        let (message, attachment) = try decodeHeader(line)
        guard attachment == 0 else { throw WireMessage.FieldError(reason: "the line announces \(attachment) attached bytes") }
        return message
    }
}
