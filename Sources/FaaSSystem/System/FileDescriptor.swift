import Glibc
import CFaaSSystem

/// A thin typed file descriptor. It does not close itself: exactly one owner calls `close()`,
/// or uses `closeAfter` for scoped cleanup.
public struct FileDescriptor: Hashable, Sendable, CustomStringConvertible {
    public let rawValue: Int32

    public init(rawValue: Int32) { self.rawValue = rawValue }

    public static let standardInput = FileDescriptor(rawValue: 0)
    public static let standardOutput = FileDescriptor(rawValue: 1)
    public static let standardError = FileDescriptor(rawValue: 2)

    public var description: String { "fd \(rawValue)" }

    /// Opens a file close-on-exec, so it never leaks into a spawned function's process.
    public static func open(_ path: String, _ flags: Int32, mode: mode_t = 0o644) throws -> FileDescriptor {
        let fd = try syscall("open") { Glibc.open(path, flags | O_CLOEXEC, mode) }
        return FileDescriptor(rawValue: fd)
    }

    /// A close-on-exec pipe: (read end, write end).
    public static func pipe() throws -> (read: FileDescriptor, write: FileDescriptor) {
        var fds: [Int32] = [-1, -1]
        try syscall("pipe2") { pipe2(&fds, O_CLOEXEC) }
        return (FileDescriptor(rawValue: fds[0]), FileDescriptor(rawValue: fds[1]))
    }

    public func close() {
        // EINTR on close still releases the descriptor on Linux: never retry.
        _ = Glibc.close(rawValue)
    }

    /// Runs `body`, then closes the descriptor whatever happened.
    public func closeAfter<R>(_ body: (FileDescriptor) throws -> R) rethrows -> R {
        defer { close() }
        return try body(self)
    }

    public func setNonBlocking(_ on: Bool = true) throws {
        let flags = try syscall("fcntl(F_GETFL)") { fcntl(rawValue, F_GETFL) }
        let wanted = on ? flags | O_NONBLOCK : flags & ~O_NONBLOCK
        if wanted != flags { try syscall("fcntl(F_SETFL)") { fcntl(rawValue, F_SETFL, wanted) } }
    }

    /// A close-on-exec duplicate.
    public func duplicate() throws -> FileDescriptor {
        FileDescriptor(rawValue: try syscall("fcntl(F_DUPFD_CLOEXEC)") { fcntl(rawValue, F_DUPFD_CLOEXEC, 3) })
    }

    /// Non-blocking read into `buffer`; `.processed(0)` is end of file.
    public func read(into buffer: UnsafeMutableRawBufferPointer) throws -> IOResult<Int> {
        try nonBlockingSyscall("read") { Glibc.read(rawValue, buffer.baseAddress, buffer.count) }
    }

    public func write(_ buffer: UnsafeRawBufferPointer) throws -> IOResult<Int> {
        try nonBlockingSyscall("write") { Glibc.write(rawValue, buffer.baseAddress, buffer.count) }
    }

    /// Blocking helper: writes every byte to a blocking descriptor (a file). Non-blocking ones
    /// belong to a `Connection`: "would block" here is an error, not a reason to wait.
    public func writeAll(_ bytes: [UInt8]) throws {
        try bytes.withUnsafeBytes { raw in
            var offset = 0
            while offset < raw.count {
                let rest = UnsafeRawBufferPointer(rebasing: raw[offset...])
                switch try write(rest) {
                case .processed(let n): offset += n
                case .wouldBlock: throw SystemError("write", errno: EAGAIN)
                }
            }
        }
    }

    /// Blocking helper: reads the whole file (used for small files like metadata).
    public func readAll(limit: Int = Int.max) throws -> [UInt8] {
        var result: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        while result.count < limit {
            let n = try chunk.withUnsafeMutableBytes { raw in
                try syscall("read") { Glibc.read(rawValue, raw.baseAddress, raw.count) }
            }
            if n == 0 { break }
            result.append(contentsOf: chunk[0..<n])
        }
        return result
    }
}
