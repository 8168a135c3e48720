import FaaSSystem
import Glibc

/// Writes secrets' files (keys.json, admin.key): mode 0600 from the start, to a temporary file
/// that is fsynced and renamed into place, then the folder fsynced, so a reader sees the whole
/// old file or the whole new one, even after a crash.
enum OwnerOnlyFile {
    static func write(_ path: String, _ bytes: [UInt8]) throws {
        let temporary = path + ".\(getpid()).tmp"
        _ = try? syscall("unlink") { unlink(temporary) }  // a leftover of a crashed write
        let fd = try FileDescriptor.open(temporary, O_WRONLY | O_CREAT | O_EXCL, mode: 0o600)
        try fd.closeAfter { fd in
            try fd.writeAll(bytes)
            _ = try syscall("fsync") { fsync(fd.rawValue) }
        }
        try syscall("rename") { rename(temporary, path) }
        let folder = String(path[..<(path.lastIndex(of: "/") ?? path.endIndex)])
        let directory = try FileDescriptor.open(folder.isEmpty ? "." : folder, O_RDONLY | O_DIRECTORY)
        try directory.closeAfter { fd in _ = try syscall("fsync") { fsync(fd.rawValue) } }
    }
}
