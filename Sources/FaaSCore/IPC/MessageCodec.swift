import Foundation

/// Turns messages into JSON lines and back. One per connection owner (coders are not shared
/// across threads).
public final class MessageCodec {
    private let encoder = JSONEncoder()
    private let decoder = JSONDecoder()

    public init() {
        // Slashes stay as they are: shorter lines, and ids never need escaping.
        encoder.outputFormatting = [.withoutEscapingSlashes]
    }

    public func encodeLine(_ message: WireMessage) throws -> [UInt8] {
        var bytes = [UInt8](try encoder.encode(message))
        bytes.append(UInt8(ascii: "\n"))
        return bytes
    }

    public func decode(_ line: ArraySlice<UInt8>) throws -> WireMessage {
        try decoder.decode(WireMessage.self, from: Data(line))
    }
}
