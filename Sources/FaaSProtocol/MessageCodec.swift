import FaaSSystem

/// Turns messages into JSON lines and back, through the hand-written fast path
/// (`WireMessage+JSONLines`); the Codable conformances describe the same format.
public final class MessageCodec {
    public init() {}

    public func encodeLine(_ message: WireMessage) -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(128)
        message.appendJSON(to: &bytes)
        bytes.append(UInt8(ascii: "\n"))
        return bytes
    }

    public func decode(_ line: ArraySlice<UInt8>) throws -> WireMessage {
        let json = try line.withUnsafeBufferPointer { try JSONValue.parse($0) }
        return try WireMessage(json: json)
    }
}
