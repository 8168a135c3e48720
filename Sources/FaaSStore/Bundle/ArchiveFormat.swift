/// The archive forms a deploy body may take, told from its first bytes (never from a header
/// or a file name): anything else is a single source file.
public enum ArchiveFormat: String, Codable, Sendable {
    case zip
    case tarGzip = "tar.gz"

    public init?(detecting bytes: [UInt8]) {
        if bytes.count >= 4, bytes[0] == 0x50, bytes[1] == 0x4B, (bytes[2], bytes[3]) == (0x03, 0x04) || (bytes[2], bytes[3]) == (0x05, 0x06) {
            self = .zip
        } else if bytes.count >= 3, bytes[0] == 0x1F, bytes[1] == 0x8B, bytes[2] == 0x08 {
            self = .tarGzip
        } else {
            return nil
        }
    }

    /// The file the archive is kept as, beside its unpacked tree (`GET /function/N` returns it).
    public var fileName: String { "bundle.\(rawValue)" }
}
