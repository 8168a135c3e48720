import Glibc

/// Splits a byte stream into `\n`-terminated lines (several lines per read, lines split across
/// reads, and a maximum line size so a peer cannot make us buffer without bound) and, between
/// lines, raw bytes (`take`).
public struct LineFramer {
    public enum Next {
        case line(ArraySlice<UInt8>)
        case needMoreBytes
        /// The current line passed `maxLineLength` without a newline: the stream is unusable.
        case lineTooLong
    }

    public let maxLineLength: Int
    private var buffer: [UInt8] = []
    private var start = 0
    /// Where the newline search resumes, so a long line arriving in pieces is scanned once.
    private var scanned = 0

    public init(maxLineLength: Int = 16 << 20) {
        self.maxLineLength = maxLineLength
    }

    public var bufferedByteCount: Int { buffer.count - start }

    public mutating func append(_ bytes: UnsafeRawBufferPointer) {
        if start > 0 && start == buffer.count {
            buffer.removeAll(keepingCapacity: true)
            start = 0
            scanned = 0
        } else if start > 4096 && start > buffer.count / 2 {
            buffer.removeSubrange(0..<start)
            scanned -= start
            start = 0
        }
        buffer.append(contentsOf: bytes)
    }

    public mutating func append(_ bytes: [UInt8]) {
        bytes.withUnsafeBytes { append($0) }
    }

    /// Up to `count` raw bytes from the front of the buffer (fewer when fewer are buffered).
    /// The slice is valid until the next call to `append`.
    public mutating func take(upTo count: Int) -> ArraySlice<UInt8> {
        let end = start + min(count, buffer.count - start)
        let bytes = buffer[start..<end]
        start = end
        scanned = start
        return bytes
    }

    /// The next complete line without its `\n` (a trailing `\r` is kept: JSON ignores it).
    /// The slice is valid until the next call to `append`.
    public mutating func next() -> Next {
        let from = max(scanned, start)
        let newline: Int? = buffer.withUnsafeBytes { raw in
            guard from < raw.count, let base = raw.baseAddress else { return nil }
            guard let hit = memchr(base + from, Int32(UInt8(ascii: "\n")), raw.count - from) else { return nil }
            return base.distance(to: UnsafeRawPointer(hit))
        }
        guard let end = newline else {
            scanned = buffer.count
            return buffer.count - start > maxLineLength ? .lineTooLong : .needMoreBytes
        }
        if end - start > maxLineLength { return .lineTooLong }
        let line = buffer[start..<end]
        start = end + 1
        scanned = start
        return .line(line)
    }
}
