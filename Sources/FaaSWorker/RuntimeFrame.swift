import FaaSProtocol

/// The worker's side of the frame format between a worker and its language runtimes, defined
/// once for Swift (`Runtime/README.md`, "Frame format"):
///
///     request: u32 header length | u32 payload length | 8-byte nonce | header (JSON) | payload
///     reply:   u8 kind | i32 code | u8 output type | u32 stdout length | u32 stderr length
///              | u32 log length | 8-byte nonce | stdout | stderr | log
///
/// Integers are big-endian.
enum RuntimeFrame {
    static let nonceLength = 8
    static let requestHeaderLength = 16
    static let replyHeaderLength = 26

    /// A reply's fixed-size header.
    struct ReplyHeader: Equatable {
        /// Nil for a kind this worker does not know (a broken stream).
        var kind: RuntimeReplyKind?
        var code: Int32
        /// Nil for a type this worker does not know (a broken stream).
        var outputType: OutputType?
        var outputLength: Int
        var errorsLength: Int
        var logLength: Int
        var nonce: [UInt8]

        init(_ bytes: [UInt8]) {
            precondition(bytes.count == RuntimeFrame.replyHeaderLength)
            kind = RuntimeReplyKind(rawValue: bytes[0])
            code = Int32(bitPattern: RuntimeFrame.u32(bytes, 1))
            outputType = RuntimeFrame.outputType(bytes[5])
            outputLength = Int(RuntimeFrame.u32(bytes, 6))
            errorsLength = Int(RuntimeFrame.u32(bytes, 10))
            logLength = Int(RuntimeFrame.u32(bytes, 14))
            nonce = Array(bytes[18..<26])
        }
    }

    /// Output types on the wire: 0 text, 1 JSON.
    static func outputType(_ byte: UInt8) -> OutputType? {
        switch byte {
        case 0: return .text
        case 1: return .json
        default: return nil
        }
    }

    static func request(header: [UInt8], payload: [UInt8], nonce: [UInt8]) -> [UInt8] {
        precondition(nonce.count == nonceLength)
        var frame = [UInt8]()
        frame.reserveCapacity(requestHeaderLength + header.count + payload.count)
        appendU32(UInt32(header.count), to: &frame)
        appendU32(UInt32(payload.count), to: &frame)
        frame.append(contentsOf: nonce)
        frame.append(contentsOf: header)
        frame.append(contentsOf: payload)
        return frame
    }

    private static func appendU32(_ value: UInt32, to frame: inout [UInt8]) {
        frame.append(contentsOf: [UInt8(value >> 24), UInt8((value >> 16) & 0xFF), UInt8((value >> 8) & 0xFF), UInt8(value & 0xFF)])
    }

    private static func u32(_ bytes: [UInt8], _ at: Int) -> UInt32 {
        UInt32(bytes[at]) << 24 | UInt32(bytes[at + 1]) << 16 | UInt32(bytes[at + 2]) << 8 | UInt32(bytes[at + 3])
    }
}
