/// Size limits enforced by `HTTPRequestParser` while bytes arrive, before buffering them.
///
/// A limit is checked as soon as it is provably exceeded, so a client cannot make the gateway
/// buffer more than `maxHeadSize` of head or allocate for a body above `maxBodySize`.
public struct HTTPParserLimits: Hashable, Sendable {
    /// Request line plus header fields, terminators included (exceeded: 431). At least 256.
    public var maxHeadSize: Int
    /// Decoded body, Content-Length or chunked (exceeded: 413, refused from the head alone when
    /// Content-Length says so).
    public var maxBodySize: Int
    /// Request-target length (exceeded: 414). Clamped to `maxHeadSize - 128` so that a long target
    /// is always reported as 414 before the head limit is hit.
    public var maxURILength: Int
    /// Chunked trailer section, terminators included (exceeded: 431).
    public var maxTrailerSize: Int
    /// One `chunk-size [; extensions]` line (exceeded: 400).
    public var maxChunkLineLength: Int

    public init(
        maxHeadSize: Int = 16 * 1024,
        maxBodySize: Int = 8 * 1024 * 1024,
        maxURILength: Int = 8 * 1024,
        maxTrailerSize: Int = 16 * 1024,
        maxChunkLineLength: Int = 4 * 1024
    ) {
        self.maxHeadSize = maxHeadSize
        self.maxBodySize = maxBodySize
        self.maxURILength = maxURILength
        self.maxTrailerSize = maxTrailerSize
        self.maxChunkLineLength = maxChunkLineLength
    }

    /// The head limit actually enforced: at least 256 bytes, so a request line always fits.
    var effectiveMaxHeadSize: Int {
        max(maxHeadSize, 256)
    }

    /// The URI limit actually enforced (see `maxURILength`).
    var effectiveMaxURILength: Int {
        max(0, min(maxURILength, effectiveMaxHeadSize - 128))
    }
}
