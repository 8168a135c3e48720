import FaaSSystem
import Foundation

/// How bytes are written in a JSON string field (the inline form of `BodyForm`, and the
/// gateway's HTTP answers): one rule everywhere: the text itself when the bytes are valid
/// UTF-8 (control bytes such as NUL are escaped, `\u0000`), base64 only when they are not.
public enum PayloadEncoding: String, Sendable {
    case base64

    /// The encoding `bytes` need: nil (as text) exactly when they are valid UTF-8.
    public static func needed(for bytes: [UInt8]) -> PayloadEncoding? {
        bytes.withUnsafeBufferPointer { String(validating: $0, as: UTF8.self) } == nil ? .base64 : nil
    }

    /// Appends `bytes` as a JSON string by that rule and returns the encoding used.
    @discardableResult
    public static func appendJSONString(_ bytes: [UInt8], to out: inout [UInt8]) -> PayloadEncoding? {
        if let encoding = needed(for: bytes) {
            out.append(UInt8(ascii: "\""))
            out.append(contentsOf: Data(bytes).base64EncodedData())
            out.append(UInt8(ascii: "\""))
            return encoding
        }
        bytes.withUnsafeBufferPointer { JSONText.appendString(utf8: $0, to: &out) }
        return nil
    }

    /// The bytes of a JSON string field read with this encoding; nil when it is not valid base64.
    public static func decode(_ text: String, _ encoding: PayloadEncoding?) -> [UInt8]? {
        switch encoding {
        case nil: return Array(text.utf8)
        case .base64: return Data(base64Encoded: text).map { Array($0) }
        }
    }
}
