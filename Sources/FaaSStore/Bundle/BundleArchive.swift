import FaaSSystem
import Glibc

/// A deploy body that is an archive, read and checked whole before anything touches the disk:
/// its format, the archive bytes as sent (kept, for `GET /function/N`), and its entries.
public struct BundleArchive: Sendable {
    public let format: ArchiveFormat
    public let bytes: [UInt8]
    public let entries: [ArchiveEntry]

    /// Reads `bytes` (already told to be an archive by `ArchiveFormat(detecting:)`) and refuses
    /// anything unsafe or over the limits with `BundleError`.
    public init(format: ArchiveFormat, bytes: [UInt8], limits: BundleLimits) throws {
        self.format = format
        self.bytes = bytes
        let entries = format == .zip ? try ZipReader.entries(bytes, limits: limits) : try TarReader.entries(bytes, limits: limits)
        // A path twice, or a file where another entry needs a folder, is ambiguous: refused.
        var files: Set<String> = [], folders: Set<String> = []
        for entry in entries {
            let parents = Self.parents(of: entry.path)
            if parents.contains(where: files.contains) { throw BundleError.duplicate(entry.path) }
            folders.formUnion(parents)
            switch entry.kind {
            case .directory:
                if files.contains(entry.path) { throw BundleError.duplicate(entry.path) }
                folders.insert(entry.path)
            case .file:
                if files.contains(entry.path) || folders.contains(entry.path) { throw BundleError.duplicate(entry.path) }
                files.insert(entry.path)
            }
        }
        self.entries = entries
    }

    /// The regular files' paths, in archive order.
    public var filePaths: [String] {
        entries.compactMap { if case .file = $0.kind { return $0.path } else { return nil } }
    }

    public func contents(of path: String) -> [UInt8]? {
        for entry in entries where entry.path == path { if case .file(let bytes) = entry.kind { return bytes } }
        return nil
    }

    /// Writes the tree under `directory` (which must exist and be empty): folders 0755, files
    /// 0644 (0755 when executable in the archive), each file fsynced (the deploy runs this on
    /// its blocking-work thread).
    /// Paths were checked when read; `O_NOFOLLOW | O_EXCL` refuses anything already there.
    public func unpack(into directory: String) throws {
        for entry in entries {
            for parent in Self.parents(of: entry.path) + (entry.kind == .directory ? [entry.path] : []) {
                if mkdir("\(directory)/\(parent)", 0o755) != 0 && errno != EEXIST { throw SystemError("mkdir", errno: errno) }
            }
            guard case .file(let bytes) = entry.kind else { continue }
            let fd = try FileDescriptor.open("\(directory)/\(entry.path)", O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW,
                                             mode: entry.executable ? 0o755 : 0o644)
            try fd.closeAfter { fd in
                try fd.writeAll(bytes)
                try syscall("fsync") { fsync(fd.rawValue) }
            }
        }
    }

    /// `a/b/c` -> `a`, `a/b`.
    static func parents(of path: String) -> [String] {
        let parts = path.split(separator: "/")
        return parts.indices.dropLast().map { parts[...$0].joined(separator: "/") }
    }
}
