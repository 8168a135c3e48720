import Foundation

/// How bytes travel in a JSON string field: as themselves when valid UTF-8, otherwise base64.
public enum PayloadEncoding: String, Codable, Sendable {
    case base64

    /// As text when that is valid UTF-8 and, once escaped (a control byte takes 6 in JSON), at
    /// most twice the size of base64: a line never grows past 8/3 of the bytes it carries.
    public static func encode(_ bytes: [UInt8]) -> (text: String, encoding: PayloadEncoding?) {
        var escapedSize = 0
        for byte in bytes {
            switch byte {
            case 0x22, 0x5C, 0x0A, 0x0D, 0x09: escapedSize += 2
            case 0..<0x20: escapedSize += 6
            default: escapedSize += 1
            }
        }
        if escapedSize <= (bytes.count + 2) / 3 * 8, let text = String(validating: bytes, as: UTF8.self) { return (text, nil) }
        return (Data(bytes).base64EncodedString(), .base64)
    }

    public static func decode(_ text: String, _ encoding: PayloadEncoding?) -> [UInt8]? {
        switch encoding {
        case nil: return Array(text.utf8)
        case .base64: return Data(base64Encoded: text).map { Array($0) }
        }
    }
}
