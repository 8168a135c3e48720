import Foundation

/// How bytes travel in a JSON string field: as themselves when valid UTF-8, otherwise base64.
public enum PayloadEncoding: String, Codable, Sendable {
    case base64

    public static func encode(_ bytes: [UInt8]) -> (text: String, encoding: PayloadEncoding?) {
        if let text = String(validating: bytes, as: UTF8.self) { return (text, nil) }
        return (Data(bytes).base64EncodedString(), .base64)
    }

    public static func decode(_ text: String, _ encoding: PayloadEncoding?) -> [UInt8]? {
        switch encoding {
        case nil: return Array(text.utf8)
        case .base64: return Data(base64Encoded: text).map { Array($0) }
        }
    }
}
