import Glibc
import CFaaSSystem
import FaaSSystem

/// What a lookup reads to tell whether the store changed on disk: the `.lock` change counter
/// and the root folder's modification time (see `FunctionStore`).
///
/// On a local file system both come from descriptors opened once: a `pread` and an `fstat`
/// see another process's write at once (one page cache), and a lookup costs two syscalls, not
/// an open, a read, a close and a path walk. On NFS a kept descriptor may answer from the
/// client's cache, so there each lookup opens the counter afresh (close-to-open consistency)
/// and stats the root by path, as before. (A functions folder deleted and made anew under a
/// running gateway is not followed: the kept descriptors still name the old one.)
final class StoreChangeProbe: @unchecked Sendable {
    private let root: String
    private let lockPath: String
    /// nil on NFS, or when a descriptor could not be opened: the path-based way.
    private let kept: (lock: FileDescriptor, root: FileDescriptor)?

    init(root: String, lockPath: String) {
        self.root = root
        self.lockPath = lockPath
        guard !Self.isNetworkFileSystem(root),
              let lock = try? FileDescriptor.open(lockPath, O_RDWR | O_CREAT, mode: 0o644) else {
            kept = nil
            return
        }
        guard let folder = try? FileDescriptor.open(root, O_RDONLY | O_DIRECTORY) else {
            lock.close()
            kept = nil
            return
        }
        kept = (lock, folder)
    }

    deinit {
        kept?.lock.close()
        kept?.root.close()
    }

    /// The counter, or nil when `.lock` cannot be read (a lookup then compares 0).
    func generation() -> UInt64? {
        if let kept { return try? Self.generation(kept.lock) }
        return try? FileDescriptor.open(lockPath, O_RDONLY).closeAfter { try Self.generation($0) }
    }

    /// The root folder's modification time, or nil when it cannot be read.
    func rootChange() -> timespec? {
        var info = stat()
        if let kept {
            guard fstat(kept.root.rawValue, &info) == 0 else { return nil }
        } else {
            guard stat(root, &info) == 0 else { return nil }
        }
        return info.st_mtim
    }

    /// The change counter in `.lock` (0 while the file is empty).
    static func generation(_ lock: FileDescriptor) throws -> UInt64 {
        var value: UInt64 = 0
        let n = try syscall("pread") { pread(lock.rawValue, &value, MemoryLayout<UInt64>.size, 0) }
        return n == MemoryLayout<UInt64>.size ? UInt64(littleEndian: value) : 0
    }

    /// NFS_SUPER_MAGIC (linux/magic.h).
    private static let nfsMagic = 0x6969

    private static func isNetworkFileSystem(_ path: String) -> Bool {
        var info = statfs()
        guard statfs(path, &info) == 0 else { return true }
        return Int(info.f_type) == nfsMagic
    }
}
