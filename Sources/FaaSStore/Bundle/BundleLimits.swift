/// What an archive may hold (the gateway's `FAAS_BUNDLE_*` settings): a deploy beyond any of
/// them is refused before anything is written.
public struct BundleLimits: Sendable, Equatable {
    /// Entries (files and folders).
    public var maxFiles: Int
    /// Bytes of all files, unpacked.
    public var maxUnpackedBytes: Int
    /// Unpacked bytes per archive byte (a zip bomb inflates a thousandfold and more).
    public var maxRatio: Int

    public init(maxFiles: Int = 2000, maxUnpackedBytes: Int = 64 << 20, maxRatio: Int = 200) {
        self.maxFiles = maxFiles
        self.maxUnpackedBytes = maxUnpackedBytes
        self.maxRatio = maxRatio
    }
}
