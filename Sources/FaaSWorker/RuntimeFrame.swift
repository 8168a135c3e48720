/// The worker's side of the frame format between a worker and its language runtimes, defined
/// once for Swift (`Runtime/README.md`, "Frame format"):
///
///     request: u32 payload length | 8-byte nonce | payload
///     reply:   u8 kind | i32 code | u32 stdout length | u32 stderr length | 8-byte nonce | stdout | stderr
///
/// Integers are big-endian.
enum RuntimeFrame {
    static let nonceLength = 8
    static let replyHeaderLength = 21

    /// A reply's fixed-size header.
    struct ReplyHeader: Equatable {
        /// Nil for a kind this worker does not know (a broken stream).
        var kind: RuntimeReplyKind?
        var code: Int32
        var outputLength: Int
        var errorsLength: Int
        var nonce: [UInt8]

        init(_ bytes: [UInt8]) {
            precondition(bytes.count == RuntimeFrame.replyHeaderLength)
            kind = RuntimeReplyKind(rawValue: bytes[0])
            code = Int32(bitPattern: RuntimeFrame.u32(bytes, 1))
            outputLength = Int(RuntimeFrame.u32(bytes, 5))
            errorsLength = Int(RuntimeFrame.u32(bytes, 9))
            nonce = Array(bytes[13..<21])
        }
    }

    static func request(payload: [UInt8], nonce: [UInt8]) -> [UInt8] {
        precondition(nonce.count == nonceLength)
        var frame = [UInt8]()
        frame.reserveCapacity(4 + nonceLength + payload.count)
        let length = UInt32(payload.count)
        frame.append(contentsOf: [UInt8(length >> 24), UInt8((length >> 16) & 0xFF), UInt8((length >> 8) & 0xFF), UInt8(length & 0xFF)])
        frame.append(contentsOf: nonce)
        frame.append(contentsOf: payload)
        return frame
    }

    private static func u32(_ bytes: [UInt8], _ at: Int) -> UInt32 {
        UInt32(bytes[at]) << 24 | UInt32(bytes[at + 1]) << 16 | UInt32(bytes[at + 2]) << 8 | UInt32(bytes[at + 3])
    }
}
