/// One regular file or folder of an archive, its path already checked (`BundlePath`).
public struct ArchiveEntry: Sendable, Equatable {
    public enum Kind: Sendable, Equatable {
        case file([UInt8])
        case directory
    }

    public let path: String
    public let kind: Kind
    /// The file's mode bits from the archive (only the owner's execute bit is kept).
    public let executable: Bool

    public init(path: String, kind: Kind, executable: Bool = false) {
        self.path = path
        self.kind = kind
        self.executable = executable
    }
}
